module cloudengine.internal/ready

go 1.20
