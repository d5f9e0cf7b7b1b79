import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../lib/backend/backend.js';
import { createBiganModel } from '../lib/models/bigan.js';
import { createOptimizers, trainStep } from '../lib/training/step.js';
await initBackend();
const model = createBiganModel({ latentSize: 50, hiddenUnits: 1024, encoderOutput: 'linear', discriminatorLatent: 'input', initStddev: 0.02 }, 0);
const adam = { learningRate: 2e-4, beta1: 0.5, beta2: 0.999, weightDecay: 2.5e-5 };
const opt = createOptimizers(model, { discriminator: adam, encoder: adam, generator: adam });
const images = tf.ones([128, 784]) as tf.Tensor2D; const labels = tf.zeros([128], 'int32') as tf.Tensor1D;
const latents = tf.ones([128, 50]) as tf.Tensor2D;
for (let i=0;i<3;i++) trainStep(model, opt, { images, labels, latents });
const t = performance.now();
const info = await tf.profile(() => { trainStep(model, opt, { images, labels, latents }); });
console.log('wall', performance.now()-t, 'kernels', info.kernels.length);
const agg = new Map<string, {n:number, ms:number}>();
for (const k of info.kernels) { const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0; const e = agg.get(k.name) ?? {n:0,ms:0}; e.n++; e.ms += ms; agg.set(k.name, e); }
console.log([...agg.entries()].sort((a,b)=>b[1].ms-a[1].ms).slice(0,16).map(([n,e])=>`${n} x${e.n} ${e.ms.toFixed(1)}ms`).join('\n'));
