// Re-renders a component when one of the store topics it shows changes.
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { store, type Topic } from './live-store';

export class StoreController implements ReactiveController {
  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly topics: Topic[],
    private readonly onChange?: (topic: Topic) => void,
  ) {
    host.addController(this);
  }

  private readonly handler = (e: Event): void => {
    this.onChange?.(e.type as Topic);
    this.host.requestUpdate();
  };

  hostConnected(): void {
    for (const t of this.topics) store.addEventListener(t, this.handler);
  }

  hostDisconnected(): void {
    for (const t of this.topics) store.removeEventListener(t, this.handler);
  }
}
