import { Injectable } from '@nestjs/common';

/** Whether this process's Kafka consumer is in its group; read by the readiness check. */
@Injectable()
export class KafkaStatus {
  private source: { isReady: boolean } | undefined;
  private producerReady: () => boolean = () => false;

  attachConsumer(source: { isReady: boolean }): void {
    this.source = source;
  }

  attachProducer(isConnected: () => boolean): void {
    this.producerReady = isConnected;
  }

  get ready(): boolean {
    return this.producerReady() && (this.source ? this.source.isReady : true);
  }
}
