;; loop: sluice_transform never returns
(module
  (import "sluice" "set_output" (func $set_output (param i32 i32)))
  (memory (export "memory") 2)
  (func (export "sluice_abi_version_1"))
  (func (export "sluice_alloc") (param i32) (result i32) (i32.const 4096))
  (func (export "sluice_transform") (param i32 i32) (result i32)
    (loop $forever (br $forever))
    (i32.const 0)))
