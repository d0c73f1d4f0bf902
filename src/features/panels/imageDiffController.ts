// The host's side of the image diff protocol, without the VS Code API so it runs in plain
// Node tests: validates every message, answers only about pairs and paths it offered.
import {
  isImageDiffWebviewMessage,
  MFLUX_RULE_DEFAULTS,
  type ImageDiffHostMessage,
  type ImageDiffSource,
  type ImagePairInfo,
  type RuleParams,
} from '../../protocol/imageDiff';
import type { ImagePair } from '../../core/viewer/imagePairs';
import type { LoadedPair } from '../../core/viewer/imageLoad';

export interface ImageDiffSpec {
  readonly title: string;
  readonly pairs: readonly ImagePair[];
  readonly stepwise: boolean;
  readonly source: ImageDiffSource | null;
  /** Shown instead of images when there is nothing to compare. */
  readonly message?: string | null;
  readonly rule?: RuleParams;
}

export interface ImageDiffHost {
  post(message: ImageDiffHostMessage): void;
  load(ref: string, cand: string, withPixels: boolean): Promise<LoadedPair>;
  openFile(path: string): void;
  rejected(raw: unknown): void;
}

export class ImageDiffController {
  private readonly offered: Set<string>;
  private latest = -1;
  private metricsStarted = false;
  rule: RuleParams;

  constructor(
    readonly spec: ImageDiffSpec,
    private readonly host: ImageDiffHost,
  ) {
    this.offered = new Set(spec.pairs.flatMap((p) => [p.ref, p.cand]));
    this.rule = spec.rule ?? MFLUX_RULE_DEFAULTS;
  }

  pairInfos(): ImagePairInfo[] {
    return this.spec.pairs.map((p, id) => ({ id, label: p.label, refPath: p.ref, candPath: p.cand, step: p.step, steps: p.steps }));
  }

  /** Returns false when the message was rejected. */
  async handle(raw: unknown): Promise<boolean> {
    if (!isImageDiffWebviewMessage(raw)) {
      this.host.rejected(raw);
      return false;
    }
    switch (raw.kind) {
      case 'ready':
        this.host.post({
          kind: 'init',
          payload: {
            title: this.spec.title,
            pairs: this.pairInfos(),
            selected: 0,
            rule: this.rule,
            stepwise: this.spec.stepwise,
            source: this.spec.source,
            message: this.spec.message ?? null,
          },
        });
        if (this.spec.stepwise && !this.metricsStarted) {
          this.metricsStarted = true;
          void this.stepMetrics();
        }
        return true;
      case 'selectPair': {
        const pair = this.spec.pairs[raw.payload.id];
        if (!pair) {
          this.host.rejected(raw);
          return false;
        }
        this.latest = raw.payload.id;
        await this.sendPair(raw.payload.id, pair);
        return true;
      }
      case 'revealFile':
        if (!this.offered.has(raw.payload.path)) {
          this.host.rejected(raw);
          return false;
        }
        this.host.openFile(raw.payload.path);
        return true;
      case 'ruleChanged':
        this.rule = raw.payload;
        return true;
    }
  }

  private async sendPair(id: number, pair: ImagePair): Promise<void> {
    let loaded: LoadedPair;
    try {
      loaded = await this.host.load(pair.ref, pair.cand, true);
    } catch (e) {
      this.host.post({ kind: 'error', payload: { message: `Could not load ${pair.label}: ${(e as Error).message}` } });
      return;
    }
    // A newer selection made while decoding wins; its own reply follows.
    if (id !== this.latest) return;
    this.host.post({
      kind: 'pair',
      payload: { id, ref: loaded.ref, cand: loaded.cand, problems: loaded.problems, metrics: loaded.metrics },
    });
    if (this.spec.stepwise && loaded.metrics)
      this.host.post({ kind: 'pairMetrics', payload: { id, psnr: loaded.metrics.psnr, ssim: loaded.metrics.ssim } });
  }

  /** PSNR/SSIM of every step, one after another, for the timeline chart. */
  private async stepMetrics(): Promise<void> {
    for (let id = 0; id < this.spec.pairs.length; id++) {
      const p = this.spec.pairs[id];
      try {
        const r = await this.host.load(p.ref, p.cand, false);
        this.host.post({ kind: 'pairMetrics', payload: { id, psnr: r.metrics?.psnr ?? null, ssim: r.metrics?.ssim ?? null } });
      } catch {
        this.host.post({ kind: 'pairMetrics', payload: { id, psnr: null, ssim: null } });
      }
    }
  }
}
