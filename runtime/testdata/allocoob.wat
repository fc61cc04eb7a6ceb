;; allocoob: sluice_alloc returns a pointer past the end of memory
(module
  (import "sluice" "set_output" (func $set_output (param i32 i32)))
  (memory (export "memory") 1)
  (func (export "sluice_abi_version_1"))
  (func (export "sluice_alloc") (param i32) (result i32) (i32.const 65530))
  (func (export "sluice_transform") (param i32 i32) (result i32) (i32.const 0)))
