"func.func"() <{function_type = (tensor<2x16xf32>) -> tensor<2x16xf32>, sym_name = "main"}> ({
^bb0(%x: tensor<2x16xf32>):
  %ninf = "stablehlo.constant"() <{value = dense<0xFF800000> : tensor<f32>}> : () -> tensor<f32>
  %zero = "stablehlo.constant"() <{value = dense<0.000000e+00> : tensor<f32>}> : () -> tensor<f32>
  %m = "stablehlo.reduce"(%x, %ninf) <{dimensions = array<i64: 1>}> ({
  ^bb0(%a: tensor<f32>, %b: tensor<f32>):
    %r = "stablehlo.maximum"(%a, %b) : (tensor<f32>, tensor<f32>) -> tensor<f32>
    "stablehlo.return"(%r) : (tensor<f32>) -> ()
  }) : (tensor<2x16xf32>, tensor<f32>) -> tensor<2xf32>
  %mb = "stablehlo.broadcast_in_dim"(%m) <{broadcast_dimensions = array<i64: 0>}> : (tensor<2xf32>) -> tensor<2x16xf32>
  %d = "stablehlo.subtract"(%x, %mb) : (tensor<2x16xf32>, tensor<2x16xf32>) -> tensor<2x16xf32>
  %e = "stablehlo.exponential"(%d) : (tensor<2x16xf32>) -> tensor<2x16xf32>
  %s = "stablehlo.reduce"(%e, %zero) <{dimensions = array<i64: 1>}> ({
  ^bb0(%a: tensor<f32>, %b: tensor<f32>):
    %r = "stablehlo.add"(%a, %b) : (tensor<f32>, tensor<f32>) -> tensor<f32>
    "stablehlo.return"(%r) : (tensor<f32>) -> ()
  }) : (tensor<2x16xf32>, tensor<f32>) -> tensor<2xf32>
  %sb = "stablehlo.broadcast_in_dim"(%s) <{broadcast_dimensions = array<i64: 0>}> : (tensor<2xf32>) -> tensor<2x16xf32>
  %y = "stablehlo.divide"(%e, %sb) : (tensor<2x16xf32>, tensor<2x16xf32>) -> tensor<2x16xf32>
  "func.return"(%y) : (tensor<2x16xf32>) -> ()
}) : () -> ()
