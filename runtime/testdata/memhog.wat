;; memhog: grows memory one page at a time until memory.grow fails, then
;; returns 1 with the message "memory.grow failed at N pages".
(module
  (import "sluice" "set_output" (func $set_output (param i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "memory.grow failed at ")
  (func (export "sluice_abi_version_1"))
  (func (export "sluice_alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "sluice_transform") (param i32 i32) (result i32)
    (local $n i32) (local $end i32) (local $start i32) (local $tmp i32)
    (block $full
      (loop $grow
        (br_if $full (i32.eq (memory.grow (i32.const 1)) (i32.const -1)))
        (br $grow)))
    ;; write memory.size in decimal at 200..231 backwards, then copy after the prefix
    (local.set $n (memory.size))
    (local.set $start (i32.const 232))
    (loop $digits
      (local.set $start (i32.sub (local.get $start) (i32.const 1)))
      (i32.store8 (local.get $start) (i32.add (i32.const 48) (i32.rem_u (local.get $n) (i32.const 10))))
      (local.set $n (i32.div_u (local.get $n) (i32.const 10)))
      (br_if $digits (local.get $n)))
    (memory.copy (i32.const 22) (local.get $start) (i32.sub (i32.const 232) (local.get $start)))
    (local.set $end (i32.add (i32.const 22) (i32.sub (i32.const 232) (local.get $start))))
    (memory.copy (local.get $end) (i32.const 240) (i32.const 6))
    (call $set_output (i32.const 0) (i32.add (local.get $end) (i32.const 6)))
    (i32.const 1))
  (data (i32.const 240) " pages"))
