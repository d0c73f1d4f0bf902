// What the views ask the panel to do. main.ts sets the implementations, so a view never
// imports the code that re-renders it (no import cycles).
import type { Mode } from './state';

export const intents = {
  /** Shows another pair (or step): asks the host for its pixels. */
  selectPair: (_id: number): void => {},
  /** Switches the view mode (side by side, swipe, onion, blink, difference, heatmap). */
  setMode: (_mode: Mode): void => {},
  /** The swipe line was dragged in the viewport: the slider follows. */
  swipeMoved: (): void => {},
};
