// The latent explorer's page (plain browser JavaScript: TensorFlow.js is the global `tf`, the data and models come
// from the scripts `bigan explore` writes beside this one, as window.EXPLORER). Everything runs in the page.
(() => {
  const { data, sprite } = window.EXPLORER;
  // The digits' colours of every other figure (lib/plots/figure.ts), handed over with the data.
  const COLOURS = data.colours;
  const SIZE = 640;
  const $ = (id) => document.getElementById(id);
  const state = { subject: null, networks: null, hovered: null, picked: [], busy: Promise.resolve() };
  // Fixed z for the class row: the same for every digit, so a column keeps its style.
  let seed = 12345;
  const uniform = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;

  /** Every digit's pixels in [0, 1], read once from the sprite sheet. */
  const pixels = new Promise((resolve) => {
    const image = new Image();
    image.onload = () => {
      const canvas = document.createElement('canvas');
      [canvas.width, canvas.height] = [image.width, image.height];
      const context = canvas.getContext('2d');
      context.drawImage(image, 0, 0);
      const rgba = context.getImageData(0, 0, image.width, image.height).data;
      const out = new Float32Array(data.count * 784);
      for (let i = 0; i < data.count; i++) {
        const [r, c] = [Math.floor(i / data.spriteColumns), i % data.spriteColumns];
        for (let y = 0; y < 28; y++)
          for (let x = 0; x < 28; x++)
            out[i * 784 + y * 28 + x] = rgba[((r * 28 + y) * image.width + c * 28 + x) * 4] / 255;
      }
      resolve(out);
    };
    image.src = sprite;
  });

  const subjects = [{ name: 'raw pixels', points: data.pixels.points, knn5: data.pixels.knn5, model: null }].concat(
    data.models.map((m) => ({ name: m.name, points: m.points, knn5: m.knn5, model: m })),
  );

  /** Map coordinates scaled into the canvas, computed once per subject. */
  function screenPoints(points) {
    let [minX, maxX, minY, maxY] = [Infinity, -Infinity, Infinity, -Infinity];
    for (let i = 0; i < points.length; i += 2) {
      minX = Math.min(minX, points[i]);
      maxX = Math.max(maxX, points[i]);
      minY = Math.min(minY, points[i + 1]);
      maxY = Math.max(maxY, points[i + 1]);
    }
    const scale = (SIZE - 20) / Math.max(maxX - minX, maxY - minY);
    const out = new Float32Array(points.length);
    for (let i = 0; i < points.length; i += 2) {
      out[i] = 10 + (points[i] - minX) * scale;
      out[i + 1] = 10 + (points[i + 1] - minY) * scale;
    }
    return out;
  }

  function drawMap() {
    const context = $('map').getContext('2d');
    context.fillStyle = '#fff';
    context.fillRect(0, 0, SIZE, SIZE);
    const xy = state.subject.screen;
    for (let i = 0; i < data.count; i++) {
      context.fillStyle = COLOURS[data.labels[i]];
      context.fillRect(xy[2 * i] - 1, xy[2 * i + 1] - 1, 2.5, 2.5);
    }
    for (const i of state.picked) {
      context.strokeStyle = '#000';
      context.lineWidth = 2;
      context.strokeRect(xy[2 * i] - 5, xy[2 * i + 1] - 5, 10, 10);
    }
  }

  /** Draws one or more 28 x 28 images in [0, 1] side by side into a canvas, scaled to its height. */
  function drawDigits(canvas, images) {
    const context = canvas.getContext('2d');
    const cell = canvas.height;
    context.fillStyle = '#000';
    context.fillRect(0, 0, canvas.width, canvas.height);
    images.forEach((image, k) => {
      const tile = context.createImageData(28, 28);
      for (let p = 0; p < 784; p++) {
        const v = Math.round(Math.min(1, Math.max(0, image[p])) * 255);
        tile.data.set([v, v, v, 255], p * 4);
      }
      const scratch = document.createElement('canvas');
      [scratch.width, scratch.height] = [28, 28];
      scratch.getContext('2d').putImageData(tile, 0, 0);
      context.imageSmoothingEnabled = false;
      context.drawImage(scratch, k * cell, 0, cell, cell);
    });
  }

  async function loadNetworks(model) {
    const artifacts = window.EXPLORER[`model:${model.name}`];
    const load = async ({ modelTopology, weightSpecs, weightData }) => {
      const bytes = Uint8Array.from(atob(weightData), (ch) => ch.charCodeAt(0));
      return tf.loadLayersModel(tf.io.fromMemory({ modelTopology, weightSpecs, weightData: bytes.buffer }));
    };
    return { encoder: await load(artifacts.encoder), generator: await load(artifacts.generator) };
  }

  /** G's input for codes l = E(x): E's output as it is, squashed into [-1, 1], or a stochastic E's mean. */
  function latentOf(model, encoded) {
    const output = Array.isArray(encoded) ? encoded[0] : encoded;
    return model.latent === 'squash' ? tf.sub(tf.mul(tf.sigmoid(output), 2), 1) : output;
  }

  /** G(z) for rows of z, with the digit labels for a conditional G. */
  function generate(z, labels) {
    const { model, networks } = state;
    const inputs = model.conditional ? [z, tf.oneHot(tf.tensor1d(labels, 'int32'), 10).toFloat()] : z;
    return networks.generator.predict(inputs);
  }

  async function codes(indices) {
    const all = await pixels;
    const x = tf.tensor2d(
      indices.flatMap((i) => Array.from(all.subarray(i * 784, (i + 1) * 784))),
      [indices.length, 784],
    );
    return latentOf(state.model, state.networks.encoder.predict(x));
  }

  /** The digit under the pointer, its reconstruction and its neighbours in the code space. */
  async function show(index) {
    state.hovered = index;
    const all = await pixels;
    const digit = all.subarray(index * 784, (index + 1) * 784);
    drawDigits($('digit'), [digit]);
    $('hovered').textContent = `test digit #${index}, labelled ${data.labels[index]}`;
    if (!state.model) {
      state.reconstruction = null;
      drawDigits($('reconstruction'), []);
      drawDigits($('neighbours'), []);
      return;
    }
    const z = await codes([index]);
    const image = tf.tidy(() => generate(z, [data.labels[index]]));
    state.reconstruction = await image.data();
    tf.dispose([z, image]);
    drawDigits($('reconstruction'), [state.reconstruction]);
    const near = state.model.neighbours.slice(index * 8, (index + 1) * 8);
    drawDigits(
      $('neighbours'),
      near.map((j) => all.subarray(j * 784, (j + 1) * 784)),
    );
    state.neighbours = near;
  }

  /** The strip between two picked digits, and the frame at the slider's t. */
  async function interpolate() {
    if (!state.model || state.picked.length < 2) return;
    const [a, b] = state.picked;
    const z = await codes([a, b]);
    const ts = Array.from({ length: 8 }, (_, k) => k / 7);
    const t = Number($('t').value);
    const frames = tf.tidy(() => {
      const [z1, z2] = tf.split(z, 2, 0);
      const path = tf.concat(
        [...ts, t].map((s) => tf.add(tf.mul(z1, 1 - s), tf.mul(z2, s))),
        0,
      );
      // A conditional G draws the path with the first digit's label.
      return generate(path, Array(9).fill(data.labels[a]));
    });
    const values = await frames.data();
    tf.dispose([z, frames]);
    const images = Array.from({ length: 9 }, (_, k) => values.subarray(k * 784, (k + 1) * 784));
    state.strip = images.slice(0, 8);
    state.between = images[8];
    drawDigits($('strip'), state.strip);
    drawDigits($('between'), [state.between]);
  }

  async function classRow() {
    if (!state.model || !state.model.conditional) return;
    const c = Number($('digitClass').value);
    seed = 12345;
    const z = tf.tensor2d(Array.from({ length: 8 * state.model.latentSize }, uniform), [8, state.model.latentSize]);
    const row = tf.tidy(() => generate(z, Array(8).fill(c)));
    const values = await row.data();
    tf.dispose([z, row]);
    state.classRow = Array.from({ length: 8 }, (_, k) => values.subarray(k * 784, (k + 1) * 784));
    drawDigits($('classRow'), state.classRow);
  }

  async function select(index) {
    const subject = subjects[index];
    $('model').value = String(index);
    state.networks?.encoder.dispose();
    state.networks?.generator.dispose();
    state.subject = { ...subject, screen: screenPoints(subject.points) };
    state.model = subject.model;
    state.networks = subject.model ? await loadNetworks(subject.model) : null;
    if (state.networks) {
      // One pass through E and G now compiles their WebGL programs, which the first hover would otherwise wait for.
      const warm = tf.tidy(() =>
        generate(latentOf(subject.model, state.networks.encoder.predict(tf.zeros([1, 784]))), [0]),
      );
      await warm.data();
      warm.dispose();
    }
    state.picked = [];
    const m = subject.model;
    $('info').innerHTML = m
      ? `<b>${m.name}</b> (${m.kind}), epoch ${m.epoch}: 1NN on E(x) ${m.knnLatent === null ? 'n/a' : (m.knnLatent * 100).toFixed(2) + '%'}, ` +
        `map's 2-D 5NN ${(m.knn5 * 100).toFixed(1)}% over ${data.count} test digits`
      : `<b>raw pixels</b>: map's 2-D 5NN ${(subject.knn5 * 100).toFixed(1)}% over ${data.count} test digits`;
    $('classPanel').hidden = !(m && m.conditional);
    drawMap();
    await classRow();
  }

  /** The digit whose map point is nearest to canvas position (x, y). */
  function nearest(x, y) {
    const xy = state.subject.screen;
    let [best, bestDistance] = [-1, Infinity];
    for (let i = 0; i < data.count; i++) {
      const d = (xy[2 * i] - x) ** 2 + (xy[2 * i + 1] - y) ** 2;
      if (d < bestDistance) [best, bestDistance] = [i, d];
    }
    return best;
  }

  const position = (event) => {
    const r = $('map').getBoundingClientRect();
    return [event.clientX - r.left, event.clientY - r.top];
  };
  const queue = (work) => (state.busy = state.busy.then(work, work));

  subjects.forEach((s, i) => $('model').add(new Option(s.name, String(i))));
  for (let c = 0; c < 10; c++) $('digitClass').add(new Option(String(c), String(c)));
  $('legend').innerHTML = COLOURS.map((c, d) => `<span style="background:${c}">${d}</span>`).join('');
  $('model').onchange = () => queue(() => select(Number($('model').value)));
  $('map').onmousemove = (e) => {
    const i = nearest(...position(e));
    if (i !== state.hovered) queue(() => show(i));
  };
  $('map').onclick = (e) => {
    const i = nearest(...position(e));
    state.picked = [...state.picked, i].slice(-2);
    drawMap();
    queue(interpolate);
  };
  $('t').oninput = () => queue(interpolate);
  $('digitClass').onchange = () => queue(classRow);

  // For tests and the curious: where digit i is drawn, and what the page computed last.
  window.explorer = {
    state,
    ready: queue(() => select(subjects.length > 1 ? 1 : 0)),
    subjects: subjects.map((s) => s.name),
    screenPosition: (i) => [state.subject.screen[2 * i], state.subject.screen[2 * i + 1]],
    idle: () => state.busy,
  };
})();
