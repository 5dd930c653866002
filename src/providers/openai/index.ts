export { OpenAiProvider } from './provider.js';
export type { OpenAiProviderOptions } from './provider.js';
