# FAKE MLX for tests only: a tiny stand-in that mimics the documented interface of
# ml-explore/mlx (mlx.core arrays, mlx.nn.Module) so the probe's MLX paths can be
# exercised on Linux where MLX is not installed. Not shipped; not MLX.
