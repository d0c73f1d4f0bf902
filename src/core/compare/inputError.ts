/** Bad input the user can fix (missing file, bad map file...): the CLI exits 2 on these. */
export class CompareInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CompareInputError';
  }
}
