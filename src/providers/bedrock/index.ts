export { BedrockProvider } from './provider.js';
export type { BedrockProviderOptions } from './provider.js';
