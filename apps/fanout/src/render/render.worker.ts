import { renderBatch, type RenderTask, type RenderedBatch } from './rendered-bundles';
import {
  prepareReleasedRecords,
  type ReleasedRecordsBatch,
  type ReleasedRecordsTask,
} from './released-records';

export type RenderThreadTask = RenderTask | ReleasedRecordsTask;

/** A render thread's task (piscina calls the default export), off the event loop. */
export default function work(task: RenderTask): RenderedBatch;
export default function work(task: ReleasedRecordsTask): ReleasedRecordsBatch;
export default function work(task: RenderThreadTask): RenderedBatch | ReleasedRecordsBatch {
  return 'kind' in task ? prepareReleasedRecords(task) : renderBatch(task);
}
