module github.com/sluice-io/sluice/sdk/go/testdata/upper

go 1.26

require github.com/sluice-io/sluice/sdk/go v0.0.0

replace github.com/sluice-io/sluice/sdk/go => ../../
