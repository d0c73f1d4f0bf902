// What the views ask the viewer to do. main.ts sets the implementations (actions.ts), so a view
// never imports the code that re-renders it (no import cycles).

export const intents = {
  /** Reads one tensor's stats and first values from the host (once). */
  requestStats: (_name: string): void => {},
  /** Asks the host for one tensor's heatmap preview (once). */
  requestPreview: (_name: string): void => {},
};
