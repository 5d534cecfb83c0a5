"""Trainers under tf.distribute: two logical CPUs mirrored must train like one device.

TensorFlow fixes its logical devices when it starts, so each comparison runs in a fresh
Python process (this file run as a script) that splits the CPU into two devices first.
"""

import itertools
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from course_lib import devices

STEPS = 3  # training steps compared, one epoch of one step each
BATCH = 8  # the global batch: 4 examples on each of the two replicas
SIZE = 32
FILTERS = 8
# The trainers must give the same per-step losses on 2 replicas as on 1, up to float32
# rounding: the replicas sum their gradients in another order than one device does, and
# the differences grow step by step. We measured at most 1e-6 relative for the autoencoder
# and pix2pix and 1.1e-4 for CycleGAN (its third step), so 1e-3 leaves a margin and is still
# far below a real bug: a gradient counted twice (a per-replica mean not divided by the
# replica count) makes the SGD steps of the GAN checks twice as long, which changed their
# second-step losses by 28% (pix2pix) and 41% (CycleGAN). Batch norm left per replica
# differs by 0.3%; see _worker.
RELATIVE_TOLERANCE = 1e-3


def _worker(data_dir: str) -> dict:
    """Train each model on one device and on two mirrored CPUs; return every run's losses."""
    import tensorflow as tf

    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
    import keras
    import numpy as np

    from course_lib import blur, cache, models, pix2pix, training, unet
    from course_lib.procedural import faces

    os.environ["IMG2IMG_DATA"] = data_dir
    # Batch norm normalises each replica's 4 examples by their own statistics unless it is
    # synchronised, and dropout draws its masks per replica: both are right for training
    # on several GPUs but make 2 replicas differ from 1 device by design. The check is the
    # arithmetic of the distributed step, so use synchronised batch norm and no dropout.
    synchronised = {"momentum": models.BATCH_NORM_MOMENTUM, "epsilon": models.BATCH_NORM_EPSILON}

    def batch_norm(name):
        return keras.layers.BatchNormalization(synchronized=True, name=name, **synchronised)

    models._batch_norm = batch_norm
    unet.batch_norm = batch_norm  # the U-Net's and the PatchGAN's
    unet.DROPOUT_BLOCKS = 0
    try:
        from course_lib import cyclegan
        from course_lib.experiments import notebook05
    except ImportError:  # notebook 05's modules are missing; test_cyclegan_... then fails
        cyclegan = None
    # Adam's steps hardly depend on the gradient's scale, which would hide a gradient
    # counted twice; plain SGD steps are proportional to it. The GANs take their optimizers
    # from training.adam, which each case below sets (the autoencoder keeps DCGAN's Adam).
    optimizers = {
        "autoencoder": training.adam,
        "pix2pix": lambda *args, **kwargs: keras.optimizers.SGD(learning_rate=0.05),
        "cyclegan": lambda *args, **kwargs: keras.optimizers.SGD(learning_rate=0.01),
    }

    sharp = faces.make_faces(BATCH * STEPS, SIZE, seed=0)[0]
    blurred = blur.blur_batch(sharp, blur.BlurSpec(kind="gaussian", sigma=1.5), (1, 2)).numpy()
    pairs = (models.to_model_range(blurred), models.to_model_range(sharp))
    strategies = {
        "one": tf.distribute.get_strategy(),
        "mirrored": tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"]),
    }

    def train_autoencoder(name, dataset):
        def build():
            keras.utils.set_random_seed(0)  # the same initial weights in both runs
            return training.compile_autoencoder(models.dcgan_autoencoder(SIZE, FILTERS))

        networks, history = cache.train_or_load(
            name, build, dataset, STEPS, steps_per_epoch=1, verbose=0
        )
        return networks[name], history[["loss"]]

    def train_pix2pix(name, dataset):
        def build():
            keras.utils.set_random_seed(0)
            return pix2pix.build_pix2pix(unet.unet_generator(SIZE, FILTERS), 16, FILTERS)

        networks, history = cache.train_or_load(
            name, build, dataset, STEPS, keep={name: "generator"}, steps_per_epoch=1, verbose=0
        )
        return networks[name], history[["gen_l1", "gen_gan", "disc"]]

    def train_cyclegan(name, dataset):
        # Blurred faces are domain A, sharp faces domain B, one batch of each: an epoch is
        # one step. unpaired_dataset shuffles, and Keras's distributed copy of a pipeline
        # shuffles in another order than one device does, so the batch must be the whole
        # domain: every loss is a sum over examples, which no order changes. Instance norm
        # and a history pool still filling (24 of 50 images) act alike on one device and two.
        def build():
            return cyclegan.build_cyclegan(SIZE, FILTERS, residual_blocks=1, receptive_field=16)

        model, _, history = notebook05.train_cyclegan(
            name, build, blurred[:BATCH], sharp[:BATCH], STEPS, BATCH
        )
        return model, history[["cycle", "identity", "gan_g", "gan_f", "disc_a", "disc_b"]]

    result = {}
    trainers = {"autoencoder": train_autoencoder, "pix2pix": train_pix2pix}
    if cyclegan is not None:
        trainers["cyclegan"] = train_cyclegan
    for case, (label, strategy) in itertools.product(trainers, strategies.items()):
        devices._STRATEGY = strategy  # what training_strategy() returns on a 2-GPU machine
        training.adam = optimizers[case]
        dataset = tf.data.Dataset.from_tensor_slices(pairs).batch(BATCH).repeat()
        model, losses = trainers[case](f"{case}-{label}", dataset)
        result.setdefault(case, {})[label] = {
            "replicas": model.distribute_strategy.num_replicas_in_sync,
            "losses": losses.to_numpy(np.float64).tolist(),
        }
    return result


@pytest.fixture(scope="module")
def distributed_runs(tmp_path_factory) -> dict:
    """Every trainer trained on one device and on two mirrored CPUs, in one fresh process."""
    environment = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "CUDA_VISIBLE_DEVICES": ""}
    completed = subprocess.run(
        [sys.executable, __file__, str(tmp_path_factory.mktemp("distribute-data"))],
        capture_output=True,
        text=True,
        timeout=240,
        env=environment,
        cwd=Path(__file__).resolve().parents[1],
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    return json.loads(completed.stdout.strip().splitlines()[-1])


def _assert_same_losses(result: dict) -> None:
    import numpy as np

    assert result["one"]["replicas"] == 1
    assert result["mirrored"]["replicas"] == 2, "the trainer did not build under the strategy"
    one, mirrored = np.array(result["one"]["losses"]), np.array(result["mirrored"]["losses"])
    assert one.shape == mirrored.shape == (STEPS, one.shape[1])
    np.testing.assert_allclose(mirrored, one, rtol=RELATIVE_TOLERANCE)


def test_dcgan_autoencoder_trains_alike_on_one_device_and_two_mirrored_cpus(distributed_runs):
    _assert_same_losses(distributed_runs["autoencoder"])


def test_pix2pix_trains_alike_on_one_device_and_two_mirrored_cpus(distributed_runs):
    _assert_same_losses(distributed_runs["pix2pix"])


def test_cyclegan_trains_alike_on_one_device_and_two_mirrored_cpus(distributed_runs):
    assert "cyclegan" in distributed_runs, "course_lib.cyclegan could not be imported"
    _assert_same_losses(distributed_runs["cyclegan"])


@pytest.mark.parametrize(
    ("policy", "compute", "scaled"),
    [("mixed_float16", "float16", True), ("mixed_bfloat16", "bfloat16", False)],
)
def test_mixed_precision_models_output_float32_and_scale_only_float16_losses(
    policy, compute, scaled
):
    import keras
    import numpy as np

    from course_lib import models, pix2pix, unet

    keras.mixed_precision.set_global_policy(policy)
    try:
        autoencoder = models.dcgan_autoencoder(SIZE, FILTERS)
        model = pix2pix.build_pix2pix(
            unet.unet_generator(SIZE, FILTERS), receptive_field=16, discriminator_filters=4
        )
        restoring = unet.restoring_unet(SIZE, FILTERS)
    finally:
        keras.mixed_precision.set_global_policy("float32")
    assert autoencoder.layers[1].compute_dtype == compute  # the convolutions run in it
    outputs = (autoencoder.outputs[0], model.generator.outputs[0], restoring.outputs[0])
    assert all(output.dtype == "float32" for output in outputs)
    for optimizer in (model.generator_optimizer, model.discriminator_optimizer):
        # float16 gradients underflow without loss scaling; bfloat16 has float32's range
        assert isinstance(optimizer, keras.optimizers.LossScaleOptimizer) is scaled
    images = np.random.default_rng(0).uniform(-1, 1, (2, SIZE, SIZE, 3)).astype(np.float32)
    logs = model.train_on_batch(images, images, return_dict=True)
    assert all(np.isfinite(value) for value in logs.values()), logs


def test_training_strategy_is_the_default_one_without_two_gpus():
    import tensorflow as tf

    if len(tf.config.list_logical_devices("GPU")) >= 2:
        pytest.skip("this machine has several GPUs, so the strategy is mirrored by design")
    strategy = devices.training_strategy()
    assert strategy is devices.training_strategy()  # one strategy shared by every trainer
    assert strategy.num_replicas_in_sync == 1
    assert not isinstance(strategy, tf.distribute.MirroredStrategy)


@pytest.mark.parametrize(
    ("profile", "gpus", "bfloat16", "policy"),
    [
        ("full", 1, False, "mixed_float16"),
        ("full", 4, True, "mixed_float16"),  # a GPU wins over the CPU's bfloat16
        ("full", 0, False, "float32"),
        ("full", 0, True, "mixed_bfloat16"),
        ("laptop", 0, True, "mixed_bfloat16"),
        ("laptop", 0, False, "float32"),
        ("laptop", 1, True, "float32"),
        ("smoke", 0, True, "float32"),  # CI and nbval stay float32 on every machine
        ("smoke", 2, False, "float32"),
    ],
)
def test_mixed_precision_float16_on_a_gpu_and_bfloat16_on_a_cpu_that_computes_it(
    profile, gpus, bfloat16, policy
):
    assert devices.mixed_precision_policy(profile, gpus, bfloat16) == policy


@pytest.mark.parametrize(
    ("flags", "native"),
    [
        ("fpu sse2 avx2 fma avx512f avx512_bf16 avx512_vnni", True),
        ("fpu sse2 avx2 amx_bf16 amx_tile", True),
        ("fpu sse2 avx2 fma avx512f avx512_vnni", False),  # AVX-512 without bfloat16
        ("fpu sse2 avx2 fma", False),
    ],
)
def test_cpu_computes_bfloat16_reads_the_flags_of_cpuinfo(flags, native):
    cpuinfo = f"processor\t: 0\nmodel name\t: a CPU\nflags\t\t: {flags}\n\nprocessor\t: 1\n"
    assert devices.cpu_computes_bfloat16(cpuinfo) is native
    assert devices.cpu_computes_bfloat16("") is False


def test_precision_variable_forces_a_policy_and_rejects_an_unknown_one():
    from course_lib.settings import from_environment

    def chosen(profile_name, precision):
        return devices.chosen_policy(profile_name, from_environment(precision).precision)

    assert chosen("laptop", {"IMG2IMG_PRECISION": "float32"}) == "float32"
    assert chosen("smoke", {"IMG2IMG_PRECISION": "mixed_bfloat16"}) == "mixed_bfloat16"
    with pytest.raises(ValueError, match="IMG2IMG_PRECISION=float32"):
        chosen("laptop", {"IMG2IMG_PRECISION": "bf16"})
    expected = devices.mixed_precision_policy(
        "laptop", devices.gpu_count(), devices.cpu_computes_bfloat16()
    )
    assert chosen("laptop", {}) == expected


def test_setup_notebook_sets_the_precision_policy_for_the_machine(capsys, monkeypatch):
    import keras

    from course_lib import profiles

    monkeypatch.delenv("IMG2IMG_PRECISION", raising=False)
    gpus = devices.gpu_count()
    keras.mixed_precision.set_global_policy("mixed_float16")  # a stale policy is replaced
    try:
        profiles.setup_notebook(profile="full")
        expected = devices.mixed_precision_policy("full", gpus, devices.cpu_computes_bfloat16())
        assert keras.mixed_precision.global_policy().name == expected
        assert f"precision: {expected}" in capsys.readouterr().out
    finally:
        keras.mixed_precision.set_global_policy("float32")


def test_mixed_precision_policy_rejects_a_negative_gpu_count():
    with pytest.raises(ValueError, match="gpu_count"):
        devices.mixed_precision_policy("full", -1)


if __name__ == "__main__":
    print(json.dumps(_worker(sys.argv[1])))
