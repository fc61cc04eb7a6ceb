;; command_abi: exports the SDK ABI but was linked as a command (_start, no
;; _initialize), as a Go transform built without -buildmode=c-shared is. Its
;; exports cannot be called before _start has set up its runtime.
(module
  (memory (export "memory") 1)
  (func (export "_start"))
  (func (export "sluice_abi_version_1"))
  (func (export "sluice_alloc") (param i32) (result i32) (i32.const 0))
  (func (export "sluice_transform") (param i32 i32) (result i32) (i32.const 0)))
