// Text of the Python stubs a new model package starts from, one module per template family.
// Each stub compiles, imports only what it uses, and follows the shapes recent mflux ports use
// (initializer + variant class, WeightTarget mappings, a prompt encoder, a latent creator with
// pack/unpack, a thin CLI with DimensionResolver, a training adapter read from mflux's protocol).
export type { TemplateContext, VaeSource } from './scaffoldContext';
export * from './scaffoldTemplatesPackage';
export * from './scaffoldTemplatesModel';
export * from './scaffoldTemplatesWeights';
export * from './scaffoldTemplatesCli';
export { readTrainingProtocol, trainingAdapter, TRAINING_PROTOCOL_PATH, type TrainingProtocol } from './scaffoldTemplatesTraining';
