import { renderBatch, type RenderTask, type RenderedBatch } from './rendered-bundles';

/** A render thread's task (piscina calls the default export): the batch's bundles, off the event loop. */
export default function render(task: RenderTask): RenderedBatch {
  return renderBatch(task);
}
