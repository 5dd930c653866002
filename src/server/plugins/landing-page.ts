import type { ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';

/**
 * Pre-filled in Sandbox: one named operation per capability. Embedded Sandbox takes a single
 * document (a Studio collection would need Studio and the network), and lists every operation of
 * it, so each is one click away. test/federation/sandbox.test.ts validates every operation against
 * the subgraph schema and the supergraph's API schema, so this cannot drift from the SDL.
 *
 * Keep `<` out of it: Apollo Server escapes only the first `<` of the embedded configuration.
 */
export const EXAMPLE_DOCUMENT = `# ai-subgraph: one operation per capability. Pick one in the operation list and run it.
# The variables below are for DraftStatusUpdate; the others carry their input inline.
# To watch or fetch a draft, copy the id a mutation returns into the "id" variable.

# Draft an incident status update for one audience.
# Set "stream": true to return at once with status RUNNING, then run WatchGeneration.
# A draft that fails comes back too, with status FAILED and its error; userErrors name bad input fields.
mutation DraftStatusUpdate($input: DraftStatusUpdateInput!) {
  draftStatusUpdate(input: $input) {
    generation {
      id
      status
      provider
      text
      error { code message }
      output { ... on StatusUpdateOutput { headline currentStatus impact nextUpdateAt } }
    }
    userErrors { field code message }
  }
}

# Watch a draft arrive token by token (graphql-ws on this same URL): text deltas, then one
# GenerationFinished. afterSeq resumes after a dropped connection, or after the text a page
# loaded (generation { text lastSeq }), with exactly the events missed; omit it to start at 0.
subscription WatchGeneration($id: ID!, $afterSeq: Int) {
  generationStream(id: $id, afterSeq: $afterSeq) {
    __typename
    seq
    ... on GenerationTextDelta { text }
    ... on GenerationFinished { generation { id status text } }
  }
}

# Find a draft again, later or after a restart.
query Generation($id: ID!) {
  generation(id: $id) {
    id
    feature
    status
    provider
    model
    text
    lastSeq
    incident { id }
    usage { inputTokens outputTokens costUsd }
    groundingIssues { kind value }
    error { code message }
  }
}

# The newest drafts, with cursor pagination (pass pageInfo.endCursor as after).
query RecentGenerations {
  generations(first: 10) {
    totalCount
    edges { cursor node { id feature status createdAt incident { id } } }
    pageInfo { hasNextPage endCursor }
  }
}

# Stop a running draft and abort its provider call.
mutation CancelGeneration($id: ID!) {
  cancelGeneration(input: { id: $id }) {
    generation { id status }
    userErrors { field code message }
  }
}

# Draft a runbook from a plain-language request.
mutation DraftRunbook {
  draftRunbook(input: {
    request: "Restart the checkout-api pods in production if the error rate stays above 5%"
    context: { service: "checkout-api", environment: "production", allowedTools: ["kubectl", "curl"] }
  }) {
    generation {
      id
      status
      text
      output {
        ... on RunbookOutput {
          name
          riskLevel
          parameters { name type default }
          steps { action command expectedResult destructive }
          rollbackSteps
        }
      }
    }
    userErrors { field code message }
  }
}

# Draft a blameless postmortem from the incident data.
mutation DraftPostmortem {
  draftPostmortem(input: {
    incidentId: "INC-1"
    incident: {
      title: "Checkout errors in EU"
      severity: SEV2
      status: RESOLVED
      affectedServices: ["checkout-api"]
      detectedAt: "2026-11-22T09:12:00Z"
      resolvedAt: "2026-11-22T09:55:00Z"
      timeline: [
        { at: "2026-11-22T09:05:00Z", message: "Deploy 2026.11.22-3 of checkout-api reached all pods" }
        { at: "2026-11-22T09:12:00Z", message: "Error rate on checkout-api rose above 5%" }
        { at: "2026-11-22T09:25:00Z", message: "Deploy 2026.11.22-3 identified as the cause; rollback started" }
        { at: "2026-11-22T09:55:00Z", message: "Rollback complete; error rate back to baseline" }
      ]
      notes: [{ text: "TODO: add a canary stage to the checkout-api pipeline (owner: Dana, P1)", kind: ACTION_ITEM }]
    }
  }) {
    generation {
      id
      status
      text
      output {
        ... on PostmortemOutput {
          title
          summary
          impact { impactStart impactEnd durationMinutes }
          rootCause
          actionItems { description owner priority }
          needsHuman
        }
      }
    }
    userErrors { field code message }
  }
}

# Digest an automation job's log: outcome, failing steps, likely cause, next steps.
mutation DraftJobDigest {
  draftJobDigest(input: {
    jobName: "deploy checkout-api"
    exitCode: 1
    log: """
    Run helm upgrade checkout-api ./charts/checkout-api --install --wait --timeout 5m
    Waiting for deployment "checkout-api" rollout to finish: 1 out of 3 new replicas have been updated...
    Error: UPGRADE FAILED: context deadline exceeded
    ##[error]Process completed with exit code 1.
    """
  }) {
    generation {
      id
      status
      text
      output {
        ... on JobDigestOutput {
          outcome
          failingSteps { step lines }
          likelyCause
          nextSteps
          stats { lines errors warnings }
        }
      }
    }
    userErrors { field code message }
  }
}

# Ask the incident assistant; it answers from the material given and cites it.
mutation DraftAssistantAnswer {
  draftAssistantAnswer(input: {
    question: "How do I roll back checkout-api?"
    context: [
      { id: "runbook-rollback", kind: "runbook", text: "To roll back checkout-api, run: helm rollback checkout-api 0 --namespace checkout" }
    ]
  }) {
    generation {
      id
      status
      text
      output { ... on AssistantAnswerOutput { answer citations answered } }
    }
    userErrors { field code message }
  }
}

# Ticket routing, step 1: a taxonomy of your own categories (run once; names are unique).
mutation CreateTaxonomy {
  createTaxonomy(input: {
    name: "support"
    categories: [
      { name: "billing", description: "Invoices, refunds, charges", examples: ["I was charged twice this month", "Where is my invoice?"] }
      { name: "login", description: "Passwords, two-factor, locked accounts", examples: ["I cannot log in", "Reset my password please"] }
    ]
  }) {
    taxonomy { id version isDefault categories { name } }
    userErrors { field code message }
  }
}

# Ticket routing, step 2: labeled tickets from your history teach the local model (a dozen per
# category at least; trainRouter warns when a category has too few). Copy the taxonomy id into "taxonomyId".
mutation ImportLabeledTickets($taxonomyId: ID!) {
  importLabeledTickets(input: { taxonomyId: $taxonomyId, examples: [
    { subject: "Charged twice", body: "I was charged twice for my subscription this month", category: "billing" }
    { subject: "Refund request", body: "Please refund the annual plan, I cancelled within the trial", category: "billing" }
    { subject: "Invoice missing", body: "Where can I download the invoice for October?", category: "billing" }
    { body: "My card was billed but the payment shows as failed", category: "billing" }
    { subject: "Wrong amount", body: "The invoice amount is higher than the price on your website", category: "billing" }
    { body: "How do I change the credit card used for billing?", category: "billing" }
    { subject: "VAT number", body: "Please add our VAT number to the invoices", category: "billing" }
    { body: "I was charged after cancelling my subscription, I want a refund", category: "billing" }
    { subject: "Receipt", body: "I need a receipt for the payment made yesterday", category: "billing" }
    { body: "Why did my bank statement show two charges from you?", category: "billing" }
    { subject: "Billing address", body: "How do I update the billing address on my invoices?", category: "billing" }
    { body: "The refund you promised has not reached my card yet", category: "billing" }
    { subject: "Locked out", body: "My account is locked after too many login attempts", category: "login" }
    { subject: "Password reset", body: "The password reset email never arrives", category: "login" }
    { body: "I cannot log in, it says my password is wrong but it is right", category: "login" }
    { subject: "2FA", body: "The two-factor code from the authenticator app is rejected", category: "login" }
    { body: "I lost my phone and cannot get the two-factor code to sign in", category: "login" }
    { subject: "Login loop", body: "After signing in I am sent back to the login page", category: "login" }
    { body: "How do I reset my password if I no longer use that email?", category: "login" }
    { subject: "SSO", body: "Single sign-on with Google fails with an error", category: "login" }
    { body: "My account was locked and I need access today", category: "login" }
    { subject: "Verification code", body: "The SMS verification code to log in never comes", category: "login" }
    { body: "Sign in keeps saying session expired", category: "login" }
    { subject: "Forgot password", body: "I forgot my password and the reset link has expired", category: "login" }
  ] }) {
    imported
    duplicates
    rejected { row reason }
    taxonomy { labeledTickets }
    userErrors { field code message }
  }
}

# Ticket routing, step 3: train the local model on them; "warnings" says when the data is too thin.
mutation TrainRouter($taxonomyId: ID!) {
  trainRouter(input: { taxonomyId: $taxonomyId }) {
    model { id trainedOn heldoutAccuracy expectedCalibrationError warnings }
    taxonomy { id model { id } }
    userErrors { field code message }
  }
}

# Ticket routing, step 4: route tickets in one batch to the newest (or default) taxonomy. A read:
# run it again and the same tickets get the same stored predictions back (no new LLM cost).
query RouteTickets {
  routeTickets(tickets: [
    { id: "T-1", subject: "Refund", body: "I was billed twice for my subscription, please refund one" }
    { id: "T-2", body: "The two-factor code never arrives and now my account is locked" }
  ]) {
    id
    ticket { id }
    category
    confidence
    decidedBy
    needsReview
    alternatives { category confidence }
    reason
  }
}

# Ticket routing, step 5: the tickets waiting for a person (totalCount alone is the badge).
query ReviewQueue {
  reviewQueue(first: 10) {
    totalCount
    nodes { id ticket { id } category confidence alternatives { category confidence } }
    pageInfo { hasNextPage endCursor }
  }
}

# Say what you thought of a draft (implicit feedback: finalText is what you finally sent).
mutation SubmitFeedback($id: ID!) {
  submitFeedback(
    input: { subject: { generationId: $id }, rating: UP, comment: "Clear and accurate" }
  ) {
    feedback {
      id
      feature
      rating
      editClass
      generation { id status }
    }
    userErrors { field code message }
  }
}

# A capability's production quality per day, with a drift signal.
query EvalMetrics {
  evalMetrics(feature: STATUS_UPDATE) {
    series { bucket requests acceptanceRate thumbsUpRatio latencyP95Ms costUsd }
    drift { metric detected latest baseline }
  }
}

# Every configured provider target: circuit breaker, error rate, latency.
query Providers {
  providers { target breakerState errorRate recentCalls latencyP50Ms latencyP95Ms headOf }
}
`;

/** Variables for DraftStatusUpdate; `id` and `taxonomyId` are to be replaced by returned ids. */
export const EXAMPLE_VARIABLES = {
  input: {
    audience: 'CUSTOMER',
    stream: false,
    incidentId: 'INC-1',
    incident: {
      title: 'Checkout errors in EU',
      severity: 'SEV2',
      status: 'IDENTIFIED',
      affectedServices: ['checkout'],
      timeline: [
        { at: '2026-11-22T09:12:00Z', message: 'Error rate on checkout rose above 5%' },
        { at: '2026-11-22T09:25:00Z', message: 'Bad deploy identified; rollback started' },
      ],
    },
  },
  id: 'paste the id a mutation returned',
  taxonomyId: 'paste the id CreateTaxonomy returned',
};

/**
 * Sandbox's page, with a way to the offline explorer (GraphiQL at /graphiql, see
 * src/server/explorer/). Sandbox itself loads from Apollo's CDN: when its script could not be
 * loaded (offline, a blocked network), the page goes on to the explorer at once; its own
 * "cannot be loaded" notice, should it show, links there too. The added script and style carry
 * the page's nonce, which its Content-Security-Policy requires. The link is relative, as the
 * explorer's own paths are, so it survives a proxy's prefix.
 */
export function withExplorerLink(html: string): string {
  const nonce = /nonce="?([0-9a-f]+)/.exec(html)?.[1];
  if (!nonce) return html;
  const link = '<a class="explorer-link" href="graphiql">Open the offline explorer (GraphiQL)</a>';
  const additions = `
<style nonce="${nonce}">
  .explorer-link { position: fixed; left: 0.5em; bottom: 0.4em; z-index: 10; font: 12px sans-serif; color: #555; }
</style>
${link}
<script nonce="${nonce}">
  if (typeof window.EmbeddedSandbox !== 'function') location.replace(new URL('graphiql', location.href));
</script>
`;
  return html
    .replace(
      'it appears that you might be offline.</p>',
      'it appears that you might be offline.</p>\n  <p><a href="graphiql">Open the offline explorer (GraphiQL)</a></p>',
    )
    .replace('</body>', `${additions}</body>`);
}

/** Apollo Sandbox at /graphql for browsers when enabled; otherwise no landing page at all. */
export function landingPagePlugin(enabled: boolean): ApolloServerPlugin {
  if (!enabled) return ApolloServerPluginLandingPageDisabled();
  const sandbox = ApolloServerPluginLandingPageLocalDefault({
    embed: true,
    includeCookies: false,
    document: EXAMPLE_DOCUMENT,
    variables: EXAMPLE_VARIABLES,
  });
  return {
    async serverWillStart(service) {
      const listener = await sandbox.serverWillStart!(service);
      return {
        async renderLandingPage() {
          const { html } = await listener!.renderLandingPage!();
          return {
            html: async () => withExplorerLink(typeof html === 'string' ? html : await html()),
          };
        },
      };
    },
  };
}
