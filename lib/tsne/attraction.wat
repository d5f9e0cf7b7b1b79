;; The attraction of t-SNE's gradient (see tsne-forces.ts): for each point i taken, and each pair (i, j) of P above
;; the diagonal, the force p_ij q_ij (y_i - y_j) with q_ij = 1 / (1 + |y_i - y_j|^2), added to i and subtracted
;; from j. A point's (x, y) is one 128-bit lane pair, so the pair's difference, force and update are one
;; instruction each. With `withError`, also the sums of 2 p log(p / q) (returned) and 2 p (stored at byte 0) over
;; the pairs, for KL(P || Q). Built into attraction.wasm by `node scripts/build-wasm.mjs`.
(module
  (import "math" "log" (func $log (param f64) (result f64)))
  (memory (export "memory") 1)

  ;; order: byte offset of `count` i32 point indices; y, attraction: byte offsets of [n * 2] f64 arrays;
  ;; rowStart (i32, n + 1), columns (i32), values (f64): P above the diagonal in CSR form; P is multiplied by
  ;; `exaggeration`.
  (func (export "attract")
    (param $order i32) (param $count i32) (param $y i32) (param $attraction i32)
    (param $rowStart i32) (param $columns i32) (param $values i32)
    (param $exaggeration f64) (param $withError i32) (result f64)
    (local $k i32) (local $i i32) (local $e i32) (local $end i32) (local $j i32)
    (local $yi v128) (local $acc v128) (local $d v128) (local $d2 v128) (local $f v128)
    (local $p f64) (local $q f64) (local $pLogPQ f64) (local $pSum f64)
    (block $points_done
      (loop $next_point
        (br_if $points_done (i32.ge_u (local.get $k) (local.get $count)))
        (local.set $i (i32.load (i32.add (local.get $order) (i32.shl (local.get $k) (i32.const 2)))))
        (local.set $yi (v128.load (i32.add (local.get $y) (i32.shl (local.get $i) (i32.const 4)))))
        (local.set $acc (v128.const i32x4 0 0 0 0))
        (local.set $e (i32.load (i32.add (local.get $rowStart) (i32.shl (local.get $i) (i32.const 2)))))
        (local.set $end (i32.load offset=4 (i32.add (local.get $rowStart) (i32.shl (local.get $i) (i32.const 2)))))
        (block $pairs_done
          (loop $next_pair
            (br_if $pairs_done (i32.ge_u (local.get $e) (local.get $end)))
            (local.set $j (i32.shl (i32.load (i32.add (local.get $columns) (i32.shl (local.get $e) (i32.const 2))))
                                   (i32.const 4)))
            (local.set $d (f64x2.sub (local.get $yi) (v128.load (i32.add (local.get $y) (local.get $j)))))
            (local.set $d2 (f64x2.mul (local.get $d) (local.get $d)))
            (local.set $q
              (f64.div (f64.const 1)
                (f64.add (f64.const 1)
                  (f64.add (f64x2.extract_lane 0 (local.get $d2)) (f64x2.extract_lane 1 (local.get $d2))))))
            (local.set $p
              (f64.mul (f64.load (i32.add (local.get $values) (i32.shl (local.get $e) (i32.const 3))))
                       (local.get $exaggeration)))
            (local.set $f (f64x2.mul (local.get $d) (f64x2.splat (f64.mul (local.get $p) (local.get $q)))))
            (local.set $acc (f64x2.add (local.get $acc) (local.get $f)))
            (v128.store (i32.add (local.get $attraction) (local.get $j))
              (f64x2.sub (v128.load (i32.add (local.get $attraction) (local.get $j))) (local.get $f)))
            (if (local.get $withError)
              (then
                ;; Each stored pair stands for p_ij and p_ji; float32's smallest normal keeps the log finite.
                (local.set $pLogPQ
                  (f64.add (local.get $pLogPQ)
                    (f64.mul (f64.mul (f64.const 2) (local.get $p))
                      (call $log
                        (f64.div (f64.max (local.get $p) (f64.const 0x1p-126))
                                 (f64.max (local.get $q) (f64.const 0x1p-126)))))))
                (local.set $pSum (f64.add (local.get $pSum) (f64.mul (f64.const 2) (local.get $p))))))
            (local.set $e (i32.add (local.get $e) (i32.const 1)))
            (br $next_pair)))
        (v128.store (i32.add (local.get $attraction) (i32.shl (local.get $i) (i32.const 4)))
          (f64x2.add (v128.load (i32.add (local.get $attraction) (i32.shl (local.get $i) (i32.const 4))))
                     (local.get $acc)))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $next_point)))
    (f64.store (i32.const 0) (local.get $pSum))
    (local.get $pLogPQ))
)
