;; allocgrow: sluice_alloc grows memory and returns the start of the new
;; pages, as a real allocator does when its heap is full; sluice_transform
;; traps unless the encoded batch is there (the magic "SLB1" at the pointer
;; it was given, the length it was asked for), then answers a and b Ok.
(module
  (import "sluice" "set_output" (func $set_output (param i32 i32)))
  (memory (export "memory") 1)
  (global $ptr (mut i32) (i32.const 0))
  (global $size (mut i32) (i32.const 0))
  (func (export "sluice_abi_version_1"))
  (func (export "sluice_alloc") (param $size i32) (result i32)
    (local $old i32)
    (local.set $old
      (memory.grow (i32.shr_u (i32.add (local.get $size) (i32.const 65535)) (i32.const 16))))
    (if (i32.eq (local.get $old) (i32.const -1)) (then (return (i32.const 0))))
    (global.set $size (local.get $size))
    (global.set $ptr (i32.shl (local.get $old) (i32.const 16)))
    (global.get $ptr))
  (data (i32.const 16) "SLR1\02\00\00\00\01\00\00\00a\00\00\00\00\00\00\00\00\00\00\00\00\00\01\00\00\00b\00\00\00\00\00\00\00\00\00\00\00\00\00")
  (func (export "sluice_transform") (param $p i32) (param $n i32) (result i32)
    (if (i32.ne (local.get $p) (global.get $ptr)) (then unreachable))
    (if (i32.ne (local.get $n) (global.get $size)) (then unreachable))
    (if (i32.ne (i32.load (local.get $p)) (i32.const 0x31424C53)) (then unreachable))
    (call $set_output (i32.const 16) (i32.const 44))
    (i32.const 0)))
