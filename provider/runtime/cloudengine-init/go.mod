module cloudengine.internal/init

go 1.20
