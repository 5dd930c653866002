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
mutation DraftStatusUpdate($input: StatusUpdateInput!) {
  draftStatusUpdate(input: $input) {
    id
    status
    provider
    text
    output { ... on StatusUpdateOutput { headline currentStatus impact nextUpdateAt } }
  }
}

# Watch a draft arrive token by token (graphql-ws on this same URL). afterSeq resumes
# after a dropped connection with exactly the events missed; omit it to start at the beginning.
subscription WatchGeneration($id: ID!, $afterSeq: Int) {
  generationStream(id: $id, afterSeq: $afterSeq) {
    seq
    delta
    generation { id status text }
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
    usage { inputTokens outputTokens costUsd }
    groundingIssues { kind value }
    error { code message }
  }
}

# The newest drafts, with cursor pagination (pass pageInfo.endCursor as after).
query RecentGenerations {
  generations(first: 10) {
    edges { node { id feature status createdAt incidentId } }
    pageInfo { hasNextPage endCursor }
  }
}

# Stop a running draft and abort its provider call.
mutation CancelGeneration($id: ID!) {
  cancelGeneration(id: $id) { id status }
}

# Draft a runbook from a plain-language request.
mutation GenerateRunbook {
  generateRunbook(input: {
    request: "Restart the checkout-api pods in production if the error rate stays above 5%"
    context: { service: "checkout-api", environment: "production", allowedTools: ["kubectl"] }
  }) {
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
}

# Draft a blameless postmortem from the incident data.
mutation GeneratePostmortem {
  generatePostmortem(input: {
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
}

# Digest an automation job's log: outcome, failing steps, likely cause, next steps.
mutation SummarizeJobLog {
  summarizeJobLog(input: {
    jobName: "deploy checkout-api"
    exitCode: 1
    log: """
    Run helm upgrade checkout-api ./charts/checkout-api --install --wait --timeout 5m
    Waiting for deployment "checkout-api" rollout to finish: 1 out of 3 new replicas have been updated...
    Error: UPGRADE FAILED: context deadline exceeded
    ##[error]Process completed with exit code 1.
    """
  }) {
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
}

# Ask the incident assistant; it answers from the material given and cites it.
mutation AskAssistant {
  askAssistant(input: {
    question: "How do I roll back checkout-api?"
    context: [
      { id: "runbook-rollback", kind: "runbook", text: "To roll back checkout-api, run: helm rollback checkout-api 0 --namespace checkout" }
    ]
  }) {
    id
    status
    text
    output { ... on AssistantAnswerOutput { answer citations answered } }
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
    id
    version
    categories { name }
  }
}

# Ticket routing, step 2 (optional): train the local model; copy the taxonomy id into "taxonomyId".
mutation TrainRouter($taxonomyId: ID!) {
  trainRouter(taxonomyId: $taxonomyId) { id trainedOn heldoutAccuracy }
}

# Ticket routing, step 3: route tickets in one batch to the newest (or default) taxonomy.
query RouteTickets {
  routeTickets(tickets: [
    { id: "T-1", subject: "Refund", body: "I was billed twice for my subscription, please refund one" }
    { id: "T-2", body: "The two-factor code never arrives and now my account is locked" }
  ]) {
    ticketId
    category
    confidence
    decidedBy
    needsReview
    alternatives { category confidence }
    reason
  }
}

# Say what you thought of a draft (implicit feedback: finalText is what you finally sent).
mutation SubmitFeedback($id: ID!) {
  submitFeedback(input: { generationId: $id, rating: UP, comment: "Clear and accurate" }) {
    id
    feature
    rating
    editClass
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

/** Apollo Sandbox at /graphql for browsers when enabled; otherwise no landing page at all. */
export function landingPagePlugin(enabled: boolean) {
  return enabled
    ? ApolloServerPluginLandingPageLocalDefault({
        embed: true,
        includeCookies: false,
        document: EXAMPLE_DOCUMENT,
        variables: EXAMPLE_VARIABLES,
      })
    : ApolloServerPluginLandingPageDisabled();
}
