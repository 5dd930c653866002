/** Builds a configured provider instance from its settings (LLM_CONFIG or the environment). */
import type { ProviderSettings } from '../llm/provider-chains.js';
import type { ModelProvider } from '../llm/spec.js';
import { BedrockProvider } from './bedrock/index.js';
import { OpenAiProvider } from './openai/index.js';

export interface ProviderEnvironment {
  /** The value of the variable a provider's `apiKeyEnv` names (the configuration reads it). */
  secret: (variable: string) => string | undefined;
  /** OPENAI_BASE_URL and OPENAI_MODEL: they configure the instance named `openai` by default. */
  openai: { baseUrl?: string; model: string };
}

export function createConfiguredProvider(
  name: string,
  settings: Exclude<ProviderSettings, { type: 'builtin' }>,
  environment: ProviderEnvironment,
): ModelProvider {
  if (settings.type === 'openai') {
    const apiKey = environment.secret(settings.apiKeyEnv);
    const baseURL =
      settings.baseURL ?? (name === 'openai' ? environment.openai.baseUrl : undefined);
    return new OpenAiProvider({
      name,
      apiKey,
      baseURL,
      defaultModel: environment.openai.model,
      timeoutMs: settings.timeoutMs,
      thirdParty: !settings.trusted,
    });
  }
  return new BedrockProvider({
    name,
    region: settings.region,
    endpoint: settings.endpoint,
    thirdParty: !settings.trusted,
  });
}
