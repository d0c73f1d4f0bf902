// A ParityHost for controller tests: the real compare engine (no heatmaps), every posted message
// kept in `posted`, and no-op file actions; a test overrides what it watches.
import { runCompare } from '../../src/core/compare/engine';
import type { ParityHost } from '../../src/features/panels/parityReportController';
import type { ParityHostMessage } from '../../src/protocol/parityReport';

export function engineParityHost(posted: ParityHostMessage[], more: Partial<ParityHost> = {}): ParityHost {
  return {
    post: (m) => posted.push(m),
    compare: (s, onProgress) => runCompare({ refPath: s.ref, candPath: s.cand, heatmaps: 'none' }, { onProgress }),
    readValues: async () => null,
    save: async () => undefined,
    copy: async () => undefined,
    rejected: () => undefined,
    ...more,
  };
}
