;; neither: exports neither sluice_abi_version_1 nor _start
(module
  (memory (export "memory") 1)
  (func (export "hello")))
