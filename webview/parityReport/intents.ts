// What the views ask the panel to do. main.ts sets the implementations, so a view never
// imports the code that re-renders it (no import cycles).

export interface SelectOptions {
  readonly scroll?: boolean;
  readonly focus?: boolean;
  readonly deferDetail?: boolean;
}

export const intents = {
  /** Selects a layer: highlights its row and point and asks the host for its detail. */
  select: (_name: string, _opts?: SelectOptions): void => {},
};
