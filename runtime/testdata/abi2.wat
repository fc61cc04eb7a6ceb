;; abi2: built for a future Sluice ABI v2
(module
  (memory (export "memory") 1)
  (func (export "sluice_abi_version_2"))
  (func (export "sluice_alloc") (param i32) (result i32) (i32.const 0))
  (func (export "sluice_transform") (param i32 i32) (result i32) (i32.const 0)))
