"""keras.applications as Keras builds them, compiled from Kiln's library.
Each case's source is the keras.applications call itself, so the reference
is Keras's own architecture. Small inputs (the minimum Keras allows) and 10
classes with logits (classifier_activation=None). The small MobileNets
carry seeded weights in Keras-written weights.h5 files, read by layer name;
the others would need 30-90 MB files, so both sides draw the weights from a
shared seed instead: Kiln's --init-weights, reproduced in NumPy by
init_weights.py (glorot_uniform kernels; zero biases; batch normalization at
its initial state)."""
from case import Case, floats, kiln_init, uniform


def application(name, call, note, **kwargs):
    source = f"import tensorflow as tf\n\nmodel = tf.keras.applications.{call}\n"
    return Case(name, source, inputs=[floats(0, 1)], note=note, **kwargs)


# Glorot kernels and batch normalization at its initial state shrink the
# signal through deep models: each seeded case's absolute tolerance is about
# 2e-5 of its largest reference logit (float32 round-off is ~1e-7 of it).
SEEDED = dict(files=(), weights=kiln_init(13), rtol=1e-4)

# The deeper variants at 32x32: (function, case name, atol).
DEEPER = [("ResNet101", "resnet101", 2e-6), ("ResNet152", "resnet152", 3e-6), ("ResNet101V2", "resnet101_v2", 1.5e-6),
          ("ResNet152V2", "resnet152_v2", 2e-6), ("DenseNet169", "densenet169", 1e-6),
          ("DenseNet201", "densenet201", 5e-7), ("EfficientNetB1", "efficientnet_b1", 2e-24),
          ("EfficientNetB2", "efficientnet_b2", 1e-24)]

TRANSFER = """\
from tensorflow.keras.applications import ResNet50
from tensorflow.keras import layers, Model

# The usual transfer-learning head on a frozen ResNet50 without its top.
base = ResNet50(include_top=False, weights=None, input_shape=(32, 32, 3))
base.trainable = False
x = layers.GlobalAveragePooling2D()(base.output)
x = layers.Dense(16, activation="relu")(x)
outputs = layers.Dense(3)(x)
model = Model(base.input, outputs)
"""

# keras.applications' preprocess_input on the model's input, as the
# transfer-learning tutorials write it (`x = preprocess_input(inputs)`):
# each mode ('tf', 'caffe', 'torch'), the identity of EfficientNet, the
# module aliases, and channels_first; pixels in [0, 255).
PREPROCESS = """\
{imports}
from keras import layers, Model
from keras.applications import densenet, efficientnet, imagenet_utils, mobilenet_v2, resnet50, vgg16, xception

inputs = layers.Input(shape=(6, 5, 3))
planes = layers.Input(shape=(3, 4, 5))
scaled = mobilenet_v2.preprocess_input(inputs)
features = layers.Conv2D(4, 3)(scaled)
model = Model([inputs, planes], [
    features,
    xception.preprocess_input(inputs),
    vgg16.preprocess_input(inputs),
    resnet50.preprocess_input(inputs),
    densenet.preprocess_input(inputs),
    layers.Dense(2)(efficientnet.preprocess_input(inputs)),
    imagenet_utils.preprocess_input(planes, data_format="channels_first", mode="caffe"),
    imagenet_utils.preprocess_input(planes, data_format="channels_first", mode="torch"),
])
"""

CASES = [
    Case("keras2_app_preprocess_input", PREPROCESS.format(imports="import tensorflow as tf"), keras=2,
         files=("weights.h5", "model.h5"), inputs=[floats(0, 255), floats(0, 255)],
         note="preprocess_input of keras.applications on model tensors: modes tf (mobilenet_v2, xception), caffe "
              "(vgg16, resnet50, channels_first), torch (densenet, channels_first), EfficientNet's identity"),
    Case("keras3_app_preprocess_input", PREPROCESS.format(imports="import keras"), keras=3,
         files=("model.weights.h5", "model.keras"), inputs=[floats(0, 255), floats(0, 255)],
         note="preprocess_input of keras.applications on model tensors (Keras 3): modes tf, caffe, torch, "
              "EfficientNet's identity, channels_first"),
    application("keras2_app_mobilenet",
                "MobileNet(input_shape=(32, 32, 3), alpha=0.25, weights=None, classes=10, classifier_activation=None)",
                "MobileNet at alpha 0.25, 32x32: depthwise-separable blocks, ReLU(6), strided ZeroPadding2D, "
                "the 1x1-convolution classifier; seeded weights (batch normalization statistics included) bound by name",
                files=("weights.h5",), weights=uniform(0.5), atol=1e-4, rtol=1e-4),
    application("keras2_app_mobilenet_v2",
                "MobileNetV2(input_shape=(32, 32, 3), alpha=0.35, weights=None, classes=10, classifier_activation=None)",
                "MobileNetV2 at alpha 0.35, 32x32: inverted residual blocks with correct_pad padding and residual adds; "
                "seeded weights (batch normalization statistics included) bound by name",
                files=("weights.h5",), weights=uniform(0.5), atol=1e-4, rtol=1e-4),
    application("keras2_app_resnet50",
                "ResNet50(input_shape=(32, 32, 3), weights=None, classes=10, classifier_activation=None)",
                "ResNet50 at 32x32 with 10 classes; Kiln's --init-weights 13 draw set into Keras", atol=1e-6, **SEEDED),
    application("keras2_app_resnet50_v2",
                "ResNet50V2(input_shape=(32, 32, 3), weights=None, classes=10, classifier_activation=None)",
                "ResNet50V2 at 32x32 with 10 classes; Kiln's --init-weights 13 draw set into Keras", atol=1e-6, **SEEDED),
    application("keras2_app_densenet121",
                "DenseNet121(input_shape=(32, 32, 3), weights=None, classes=10, classifier_activation=None)",
                "DenseNet121 at 32x32 with 10 classes; Kiln's --init-weights 13 draw set into Keras", atol=1e-6, **SEEDED),
    application("keras2_app_inception_v3",
                "InceptionV3(input_shape=(75, 75, 3), weights=None, classes=10, classifier_activation=None)",
                "InceptionV3 at its minimum 75x75 with 10 classes; Kiln's --init-weights 13 draw set into Keras",
                atol=2e-8, **SEEDED),
    application("keras2_app_xception",
                "Xception(input_shape=(71, 71, 3), weights=None, classes=10, classifier_activation=None)",
                "Xception at its minimum 71x71 with 10 classes; Kiln's --init-weights 13 draw set into Keras", atol=1e-9, **SEEDED),
    application("keras2_app_efficientnet_b0",
                "EfficientNetB0(input_shape=(32, 32, 3), weights=None, classes=10, classifier_activation=None)",
                "EfficientNetB0 at its minimum 32x32 with 10 classes: Rescaling, Normalization, MBConv blocks with "
                "swish, squeeze-and-excitation and residual adds; Kiln's --init-weights 13 draw set into Keras "
                "(the squeeze-and-excitation gates shrink its logits to about 1e-19)",
                atol=1e-24, **SEEDED),
    application("keras2_app_open_mobilenet_v2",
                "MobileNetV2(include_top=False, alpha=0.35, weights=None, pooling='avg')",
                "MobileNetV2 without its top over open height and width (input_shape not given), average pooled; "
                "one build run at 32x32, 45x61 and 64x40; Kiln's --init-weights 13 draw set into Keras",
                sizes=[[(32, 32, 3)], [(45, 61, 3)], [(64, 40, 3)]], atol=3e-15, **SEEDED),
    Case("keras2_app_transfer_resnet50", TRANSFER, inputs=[floats(0, 1)],
         note="transfer learning: ResNet50(include_top=False) + GlobalAveragePooling2D + Dense head, 32x32; "
              "Kiln's --init-weights 13 draw set into Keras", atol=5e-7, **SEEDED),
]

CASES += [
    application(f"keras2_app_{name}",
                f"{function}(input_shape=(32, 32, 3), weights=None, classes=10, classifier_activation=None)",
                f"{function} at 32x32 with 10 classes; Kiln's --init-weights 13 draw set into Keras"
                + (" (logits about 1e-19, as for B0)" if function.startswith("EfficientNet") else ""),
                atol=atol, **SEEDED)
    for function, name, atol in DEEPER
]
