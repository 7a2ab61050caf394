"""The models whose Keras configs the import tests read.

Each function builds one model with the Keras module it is given (tf.keras
2.15 or Keras 3), covering what `kilnc import` must handle: Sequential and
functional models, nested models, shared layers, several inputs and outputs,
recurrent layers with Bidirectional and TimeDistributed, attention and
convolution nets.
"""


def mlp(keras):
    L = keras.layers
    return keras.Sequential([
        L.Dense(16, activation="relu", input_shape=(784,)),
        L.Dropout(0.5),
        L.Dense(10, activation="softmax"),
    ], name="mlp")


def cnn(keras):
    L = keras.layers
    return keras.Sequential([
        L.Conv2D(8, (3, 3), activation="relu", input_shape=(28, 28, 1)),
        L.BatchNormalization(),
        L.MaxPooling2D(),
        L.Conv2D(8, 3, strides=2, padding="same", use_bias=False),
        L.Activation("relu"),
        L.SeparableConv2D(8, (3, 3), depth_multiplier=2, padding="same"),
        L.DepthwiseConv2D((3, 3), padding="same"),
        L.ZeroPadding2D(((1, 0), (0, 1))),
        L.UpSampling2D(size=(2, 2)),
        L.AveragePooling2D(pool_size=(2, 2), strides=(1, 1)),
        L.GlobalAveragePooling2D(),
        L.Dense(10, activation="softmax", kernel_initializer="he_normal"),
    ], name="cnn")


def multi_io(keras):
    L = keras.layers
    a = keras.Input(shape=(4,), name="a")
    b = keras.Input(shape=(4,), name="b")
    shared = L.Dense(8, activation="tanh", name="shared")
    x = L.Concatenate()([shared(a), shared(b)])
    y = L.Add()([shared(a), shared(b)])
    out1 = L.Dense(1, activation="sigmoid", name="out1")(x)
    out2 = L.Dense(3, name="out2")(L.Multiply()([y, y]))
    return keras.Model(inputs=[a, b], outputs=[out1, out2], name="multi_io")


def nested(keras):
    L = keras.layers
    encoder = keras.Sequential([L.Dense(8, activation="relu", input_shape=(6,)), L.Dense(4)], name="encoder")
    i = keras.Input(shape=(4,), name="head_in")
    head = keras.Model(i, L.Dense(2, activation="softmax", name="head_dense")(i), name="head")
    a = keras.Input(shape=(6,), name="left")
    b = keras.Input(shape=(6,), name="right")
    merged = L.Average()([encoder(a), encoder(b)])
    scored = keras.Sequential([head, L.Dense(3)], name="scorer")(merged)
    return keras.Model(inputs=[a, b], outputs=scored, name="nested")


def recurrent(keras):
    L = keras.layers
    tokens = keras.Input(shape=(12,), dtype="int32", name="tokens")
    x = L.Embedding(100, 16, mask_zero=True)(tokens)
    x = L.Bidirectional(L.LSTM(8, return_sequences=True))(x)
    x = L.GRU(8, return_sequences=True)(x)
    x = L.TimeDistributed(L.Dense(4, activation="relu"))(x)
    x = L.SimpleRNN(4, go_backwards=True)(x)
    out = L.Dense(1, activation="sigmoid")(x)
    return keras.Model(tokens, out, name="recurrent")


def encoder_decoder(keras):
    L = keras.layers
    enc_in = keras.Input(shape=(5, 3), name="encoder_in")
    _, h, c = L.LSTM(6, return_state=True, name="encoder")(enc_in)
    dec_in = keras.Input(shape=(4, 2), name="decoder_in")
    seq = L.LSTM(6, return_sequences=True, name="decoder")(dec_in, initial_state=[h, c])
    out = L.TimeDistributed(L.Dense(2, activation="softmax"), name="probs")(seq)
    return keras.Model([enc_in, dec_in], out, name="encoder_decoder")


def attention(keras):
    L = keras.layers
    x = keras.Input(shape=(6, 8), name="x")
    q = keras.Input(shape=(4, 8), name="q")
    attended = L.MultiHeadAttention(num_heads=2, key_dim=4)(x, x)
    x1 = L.LayerNormalization()(L.Add()([x, attended]))
    scores = L.Attention(use_scale=True)([q, x1])
    additive = L.AdditiveAttention()([q, x1])
    out = L.Concatenate()([scores, additive])
    return keras.Model([x, q], L.GlobalAveragePooling1D()(out), name="attention")


def activations(keras):
    L = keras.layers
    return keras.Sequential([
        keras.Input(shape=(5,), name="features"),
        L.Dense(8),
        L.LeakyReLU(0.1),
        L.Dense(8, activation="gelu"),
        L.PReLU(),
        L.Dense(8, activation="swish"),
        L.ReLU(max_value=6.0),
        L.Dense(8),
        L.ELU(alpha=0.5),
        L.Dense(4),
        L.Softmax(),
    ], name="activations")


def text_conv(keras):
    L = keras.layers
    return keras.Sequential([
        keras.Input(shape=(20,), dtype="int32"),
        L.Embedding(50, 8),
        L.Conv1D(16, 3, padding="causal", dilation_rate=2, activation="relu"),
        L.MaxPooling1D(2),
        L.Cropping1D((1, 1)),
        L.Permute((2, 1)),
        L.Reshape((8, 16)),
        L.GlobalMaxPooling1D(),
        L.RepeatVector(3),
        L.Flatten(),
        L.Dense(2),
    ], name="text_conv")


def dict_inputs(keras):
    L = keras.layers
    a = keras.Input(shape=(3,), name="alpha")
    b = keras.Input(shape=(2,), name="beta")
    x = L.Concatenate()([a, b])
    return keras.Model(inputs={"alpha": a, "beta": b}, outputs=L.Dense(2, name="logits")(x), name="dict_inputs")


MODELS = {
    "mlp": mlp, "cnn": cnn, "multi_io": multi_io, "nested": nested, "recurrent": recurrent,
    "encoder_decoder": encoder_decoder, "attention": attention, "activations": activations,
    "text_conv": text_conv, "dict_inputs": dict_inputs,
}
