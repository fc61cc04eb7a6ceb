;; guesterr: returns 1 with a message
(module
  (import "sluice" "set_output" (func $set_output (param i32 i32)))
  (memory (export "memory") 2)
  (func (export "sluice_abi_version_1"))
  (func (export "sluice_alloc") (param i32) (result i32) (i32.const 4096))
  (data (i32.const 16) "boom: bad input")
  (func (export "sluice_transform") (param i32 i32) (result i32)
    (call $set_output (i32.const 16) (i32.const 15))
    (i32.const 1)))
