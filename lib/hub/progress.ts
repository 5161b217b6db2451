import { MultiBar, type SingleBar } from 'cli-progress';

import { progressBarsDisabledByEnv } from './env';

/** One file's download, as `onProgress` reports it. */
export interface DownloadProgress {
  /** The file's path in the repo, e.g. 'onnx/model.onnx'. */
  file: string;
  /** Bytes on disk so far (a resumed download starts above 0). */
  loaded: number;
  /** The file's size, when the Hub said it. */
  total: number | undefined;
}

const UNITS = ['B', 'kB', 'MB', 'GB', 'TB'];
function bytes(n: number): string {
  let unit = 0;
  while (n >= 1000 && unit < UNITS.length - 1) {
    n /= 1000;
    unit += 1;
  }
  return `${unit === 0 ? n : n.toFixed(1)} ${UNITS[unit]}`;
}

/**
 * Reports downloads: to `onProgress`, and as a bar per file (bytes, rate, ETA) when stderr is a
 * terminal and HF_HUB_DISABLE_PROGRESS_BARS is not set, as huggingface_hub's tqdm bars are.
 */
export class Progress {
  #bars: MultiBar | undefined;
  readonly #showBars: boolean;

  constructor(
    private readonly onProgress: ((progress: DownloadProgress) => void) | undefined,
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {
    this.#showBars = stream.isTTY === true && !progressBarsDisabledByEnv();
  }

  /** Starts reporting `file`; returns what the download calls as bytes arrive. */
  file(file: string): (loaded: number, total: number | undefined) => void {
    let bar: SingleBar | undefined;
    let startedAt = 0;
    let startedWith = 0;
    return (loaded, total) => {
      this.onProgress?.({ file, loaded, total });
      if (!this.#showBars) return;
      if (!bar) {
        startedAt = Date.now();
        startedWith = loaded;
        bar = this.#multiBar().create(total ?? 0, loaded, { file, rate: '' });
      }
      const seconds = (Date.now() - startedAt) / 1000;
      const rate = seconds > 0 ? `${bytes((loaded - startedWith) / seconds)}/s` : '';
      if (total !== undefined && bar.getTotal() !== total) bar.setTotal(total);
      bar.update(loaded, { rate });
    };
  }

  #multiBar(): MultiBar {
    this.#bars ??= new MultiBar({
      stream: this.stream,
      format: '{file} |{bar}| {percentage}% | {value}/{total} | {rate} | ETA {eta_formatted}',
      formatValue: (value, _options, type) => (type === 'value' || type === 'total' ? bytes(Number(value)) : String(value)),
      hideCursor: true,
      barsize: 30,
    });
    return this.#bars;
  }

  /** Ends the bars (leaving them on screen, complete). */
  stop(): void {
    this.#bars?.stop();
    this.#bars = undefined;
  }
}
