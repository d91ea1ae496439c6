import { InitialSchema1763770000000 } from './1763770000000-initial-schema';
import { IngestOutcomes1763800000000 } from './1763800000000-ingest-outcomes';
import { RejectionReplays1764200000000 } from './1764200000000-rejection-replays';
import { ReviewWorkflow1764000000000 } from './1764000000000-review-workflow';
import { ReviewTraceContext1764000000001 } from './1764000000001-review-trace-context';
import { FanoutDelivery1764100000000 } from './1764100000000-fanout-delivery';
import { EmbargoedReleases1764100000001 } from './1764100000001-embargoed-releases';
import { ReleaseTraceContext1764100000002 } from './1764100000002-release-trace-context';
import { TaxiiAppendQueue1764300000000 } from './1764300000000-taxii-append-queue';
import { QueueTables1764400000000 } from './1764400000000-queue-tables';
import { GuardHeldReleases1764500000000 } from './1764500000000-guard-held-releases';
import { BundleLz41764600000000 } from './1764600000000-bundle-lz4';
import { EmbargoRenderFailures1764700000000 } from './1764700000000-embargo-render-failures';

/** Every migration, in order. The schema comes only from these (never `synchronize`). */
export const migrations = [
  InitialSchema1763770000000,
  IngestOutcomes1763800000000,
  RejectionReplays1764200000000,
  ReviewWorkflow1764000000000,
  ReviewTraceContext1764000000001,
  FanoutDelivery1764100000000,
  EmbargoedReleases1764100000001,
  ReleaseTraceContext1764100000002,
  TaxiiAppendQueue1764300000000,
  QueueTables1764400000000,
  GuardHeldReleases1764500000000,
  BundleLz41764600000000,
  EmbargoRenderFailures1764700000000,
];
