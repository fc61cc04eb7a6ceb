module github.com/sluice-io/sluice/transforms/project

go 1.26

require github.com/sluice-io/sluice/sdk/go v0.0.0

replace github.com/sluice-io/sluice/sdk/go => ../../sdk/go
