;; The inner loop of t-SNE's Barnes-Hut repulsion (see quadtree.ts, runRepulsion), four list entries at a time in
;; 128-bit SIMD: for each point of a run, the sums over the run's interaction list of m q, m q^2 dx and m q^2 dy,
;; where q = 1 / (1 + dx^2 + dy^2). JavaScript cannot use SIMD, and this loop is one division per entry.
;; Built into repulsion.wasm by `node scripts/build-wasm.mjs`; a test checks that the two agree.
(module
  (memory (export "memory") 1)

  (func $sum (param $v v128) (result f32)
    (f32.add
      (f32.add (f32x4.extract_lane 0 (local.get $v)) (f32x4.extract_lane 1 (local.get $v)))
      (f32.add (f32x4.extract_lane 2 (local.get $v)) (f32x4.extract_lane 3 (local.get $v)))))

  ;; points: byte offset of `count` (x, y) f32 pairs; xs, ys, ms: byte offsets of the list's x, y and mass f32
  ;; arrays, `entries` long (a multiple of 4; padding entries have mass 0); out: byte offset where each point's
  ;; sum of m q, m q^2 dx and m q^2 dy go, three f32 per point.
  (func (export "repel")
    (param $points i32) (param $count i32)
    (param $xs i32) (param $ys i32) (param $ms i32) (param $entries i32)
    (param $out i32)
    (local $p i32) (local $e i32) (local $end i32)
    (local $px v128) (local $py v128) (local $one v128)
    (local $s v128) (local $fx v128) (local $fy v128)
    (local $dx v128) (local $dy v128) (local $q v128) (local $mq v128)
    (local.set $one (f32x4.splat (f32.const 1)))
    (local.set $end (i32.shl (local.get $entries) (i32.const 2)))
    (block $points_done
      (loop $next_point
        (br_if $points_done (i32.ge_u (local.get $p) (local.get $count)))
        (local.set $px (f32x4.splat (f32.load (i32.add (local.get $points) (i32.shl (local.get $p) (i32.const 3))))))
        (local.set $py (f32x4.splat (f32.load offset=4 (i32.add (local.get $points) (i32.shl (local.get $p) (i32.const 3))))))
        (local.set $s (v128.const i32x4 0 0 0 0))
        (local.set $fx (v128.const i32x4 0 0 0 0))
        (local.set $fy (v128.const i32x4 0 0 0 0))
        (local.set $e (i32.const 0))
        (block $entries_done
          (loop $next_entries
            (br_if $entries_done (i32.ge_u (local.get $e) (local.get $end)))
            (local.set $dx (f32x4.sub (local.get $px) (v128.load (i32.add (local.get $xs) (local.get $e)))))
            (local.set $dy (f32x4.sub (local.get $py) (v128.load (i32.add (local.get $ys) (local.get $e)))))
            (local.set $q
              (f32x4.div (local.get $one)
                (f32x4.add (local.get $one)
                  (f32x4.add (f32x4.mul (local.get $dx) (local.get $dx)) (f32x4.mul (local.get $dy) (local.get $dy))))))
            (local.set $mq (f32x4.mul (v128.load (i32.add (local.get $ms) (local.get $e))) (local.get $q)))
            (local.set $s (f32x4.add (local.get $s) (local.get $mq)))
            (local.set $mq (f32x4.mul (local.get $mq) (local.get $q)))
            (local.set $fx (f32x4.add (local.get $fx) (f32x4.mul (local.get $mq) (local.get $dx))))
            (local.set $fy (f32x4.add (local.get $fy) (f32x4.mul (local.get $mq) (local.get $dy))))
            (local.set $e (i32.add (local.get $e) (i32.const 16)))
            (br $next_entries)))
        (f32.store (local.get $out) (call $sum (local.get $s)))
        (f32.store offset=4 (local.get $out) (call $sum (local.get $fx)))
        (f32.store offset=8 (local.get $out) (call $sum (local.get $fy)))
        (local.set $out (i32.add (local.get $out) (i32.const 12)))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $next_point))))
)
