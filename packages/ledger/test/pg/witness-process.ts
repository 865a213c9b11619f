/**
 * A WitnessClient for a witness running in its own process (witness-child.ts): what the sequencer sees of a
 * remote witness, minus HTTP. A killed witness answers nothing: requests fail at once, as a refused connection.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { WitnessClient, WitnessResponse } from '../../src/witness/witness.ts';

const CHILD = fileURLToPath(new URL('./witness-child.ts', import.meta.url));

interface Reply {
  id?: number;
  ready?: boolean;
  response?: WitnessResponse;
  latest?: { size: number; checkpoint: string };
}

export class WitnessProcess implements WitnessClient {
  readonly name: string;
  readonly #args: string[];
  #child: ChildProcess | undefined;
  #next = 0;
  readonly #pending = new Map<number, { resolve: (reply: Reply) => void; reject: (error: Error) => void }>();

  constructor(options: { name: string; file: string; signerKey: string; logKeys: readonly string[] }) {
    this.name = options.name;
    this.#args = [options.file, options.signerKey, ...options.logKeys];
  }

  get running(): boolean {
    return this.#child !== undefined;
  }

  async start(): Promise<void> {
    const child = fork(CHILD, this.#args, { execArgv: ['--conditions=source', '--import', 'tsx'], stdio: 'inherit' });
    this.#child = child;
    child.on('message', (reply: Reply) => {
      if (reply.id === undefined) return;
      this.#pending.get(reply.id)?.resolve(reply);
      this.#pending.delete(reply.id);
    });
    child.on('exit', () => {
      if (this.#child === child) this.#child = undefined;
      for (const { reject } of this.#pending.values()) reject(new Error(`witness ${this.name} is down`));
      this.#pending.clear();
    });
    await new Promise<void>((resolve, reject) => {
      child.on('message', (reply: Reply) => reply.ready && resolve());
      child.on('exit', () => reject(new Error(`witness ${this.name} exited while starting`)));
    });
  }

  /** SIGKILL: no shutdown code runs, as in a crash. */
  async kill(): Promise<void> {
    const child = this.#child;
    if (!child) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  async addCheckpoint(body: string): Promise<WitnessResponse> {
    return (await this.#request({ body })).response!;
  }

  /** What the witness process has stored for `origin`. */
  async latest(origin: string): Promise<{ size: number; checkpoint: string } | undefined> {
    return (await this.#request({ latest: origin })).latest;
  }

  #request(message: { body?: string; latest?: string }): Promise<Reply> {
    const child = this.#child;
    if (!child) return Promise.reject(new Error(`witness ${this.name} is down`));
    const id = this.#next++;
    return new Promise<Reply>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      child.send({ id, ...message });
    });
  }
}
