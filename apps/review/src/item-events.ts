import { Injectable } from '@nestjs/common';
import { Subject, type Observable } from 'rxjs';
import type { ReviewState } from '@kyoyu/review-core';

/** That an item appeared or changed: ids and state only, never content. */
export interface ItemChanged {
  caseId: string;
  customer: string;
  state: ReviewState;
}

/** In-process change feed behind the console's live updates (server-sent events). */
@Injectable()
export class ItemEvents {
  private readonly subject = new Subject<ItemChanged>();

  publish(changes: readonly ItemChanged[]): void {
    for (const c of changes) this.subject.next(c);
  }

  get changes(): Observable<ItemChanged> {
    return this.subject.asObservable();
  }
}
