;; ret7: returns 7, an ABI violation
(module
  (import "sluice" "set_output" (func $set_output (param i32 i32)))
  (memory (export "memory") 2)
  (func (export "sluice_abi_version_1"))
  (func (export "sluice_alloc") (param i32) (result i32) (i32.const 4096))
  (data (i32.const 16) "SLR1\00\00\00\00")
  (func (export "sluice_transform") (param i32 i32) (result i32)
    (call $set_output (i32.const 16) (i32.const 8))
    (i32.const 7)))
