"func.func"() <{function_type = (tensor<4x8xf32>, tensor<?x8xf32>) -> (tensor<4x8xf32>, tensor<?x8xf32>, tensor<4x8xf32>), sym_name = "main"}> ({
^bb0(%x: tensor<4x8xf32>, %d: tensor<?x8xf32>):
  %0 = "foo.bar"(%x) : (tensor<4x8xf32>) -> tensor<4x8xf32>
  %1 = "stablehlo.add"(%d, %d) : (tensor<?x8xf32>, tensor<?x8xf32>) -> tensor<?x8xf32>
  %2 = "stablehlo.custom_call"(%0) <{call_target_name = "cublas"}> : (tensor<4x8xf32>) -> tensor<4x8xf32>
  %3 = "stablehlo.exponential"(%2) : (tensor<4x8xf32>) -> tensor<4x8xf32>
  "func.return"(%3, %1, %0) : (tensor<4x8xf32>, tensor<?x8xf32>, tensor<4x8xf32>) -> ()
}) : () -> ()
