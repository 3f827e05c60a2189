import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import type { Dispatcher } from 'undici';

/**
 * An undici dispatch handler that relays a service's answer into the client's response: the head
 * through `head` (which returns the headers to send), the body chunk by chunk with backpressure (the
 * upstream read pauses while the client's socket is full), and the upstream request aborted when
 * the client leaves first. `done` is called once: without an error when the answer was relayed
 * whole, with one otherwise.
 */
export class ResponseRelay implements Dispatcher.DispatchHandler {
  readonly #res: ServerResponse;
  readonly #head: (statusCode: number, headers: IncomingHttpHeaders) => Record<string, string | string[]>;
  readonly #done: (err?: Error) => void;
  #controller: Dispatcher.DispatchController | undefined;
  #ended = false;

  constructor(res: ServerResponse, head: (statusCode: number, headers: IncomingHttpHeaders) => Record<string, string | string[]>, done: (err?: Error) => void) {
    this.#res = res;
    this.#head = head;
    this.#done = done;
    // Left in place once the answer is relayed (#onClose then does nothing): one listener less to remove per request.
    res.on('close', this.#onClose);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller;
    if (this.#res.destroyed) controller.abort(new Error('the client left'));
  }

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders): void {
    this.#res.writeHead(statusCode, this.#head(statusCode, headers));
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.#res.write(chunk)) return;
    controller.pause();
    this.#res.once('drain', () => controller.resume());
  }

  onResponseEnd(): void {
    this.#res.end();
    this.#finish();
  }

  onResponseError(_controller: Dispatcher.DispatchController, err: Error): void {
    this.#finish(err);
  }

  #finish(err?: Error): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#done(err);
  }

  readonly #onClose = (): void => {
    if (this.#ended) return;
    // The client left before the answer was complete: stop reading from the service.
    this.#controller?.abort(Object.assign(new Error('the client left'), { code: 'ERR_STREAM_PREMATURE_CLOSE' }));
  };
}
