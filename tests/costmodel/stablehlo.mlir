"builtin.module"() ({
  "func.func"() <{function_type = (tensor<2x3x4x5xbf16>, tensor<2x3x5x6xbf16>, tensor<7x5x3xf32>, tensor<5x2xf32>, tensor<1x6x6x4xf32>, tensor<3x3x2x4xf32>, tensor<4x8xf32>, tensor<1x4x4x1xf32>) -> (tensor<2x3x4x6xbf16>, tensor<7x3x2xf32>, tensor<1x4x4x4xf32>, tensor<4xf32>, tensor<1x2x2x1xf32>, tensor<4x8xf32>), sym_name = "main"}> ({
  ^bb0(%l: tensor<2x3x4x5xbf16>, %r: tensor<2x3x5x6xbf16>, %p: tensor<7x5x3xf32>, %q: tensor<5x2xf32>, %img: tensor<1x6x6x4xf32>, %k: tensor<3x3x2x4xf32>, %x: tensor<4x8xf32>, %y: tensor<1x4x4x1xf32>):
    %0 = "stablehlo.dot_general"(%l, %r) <{dot_dimension_numbers = #stablehlo.dot<lhs_batching_dimensions = [0, 1], rhs_batching_dimensions = [0, 1], lhs_contracting_dimensions = [3], rhs_contracting_dimensions = [2]>}> : (tensor<2x3x4x5xbf16>, tensor<2x3x5x6xbf16>) -> tensor<2x3x4x6xbf16>
    %1 = "stablehlo.dot_general"(%p, %q) <{dot_dimension_numbers = #stablehlo.dot<lhs_contracting_dimensions = [1], rhs_contracting_dimensions = [0]>}> : (tensor<7x5x3xf32>, tensor<5x2xf32>) -> tensor<7x3x2xf32>
    %2 = "stablehlo.convolution"(%img, %k) <{batch_group_count = 1 : i64, dimension_numbers = #stablehlo.conv<[b, 0, 1, f]x[0, 1, i, o]->[b, 0, 1, f]>, feature_group_count = 2 : i64}> : (tensor<1x6x6x4xf32>, tensor<3x3x2x4xf32>) -> tensor<1x4x4x4xf32>
    %3 = "stablehlo.constant"() <{value = dense<0.000000e+00> : tensor<f32>}> : () -> tensor<f32>
    %4 = "stablehlo.reduce"(%x, %3) <{dimensions = array<i64: 1>}> ({
    ^bb0(%a: tensor<f32>, %b: tensor<f32>):
      %s = "stablehlo.add"(%a, %b) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "stablehlo.return"(%s) : (tensor<f32>) -> ()
    }) : (tensor<4x8xf32>, tensor<f32>) -> tensor<4xf32>
    %5 = "stablehlo.reduce_window"(%y, %3) <{window_dimensions = array<i64: 1, 2, 2, 1>, window_strides = array<i64: 1, 2, 2, 1>}> ({
    ^bb0(%a: tensor<f32>, %b: tensor<f32>):
      %m = "stablehlo.maximum"(%a, %b) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "stablehlo.return"(%m) : (tensor<f32>) -> ()
    }) : (tensor<1x4x4x1xf32>, tensor<f32>) -> tensor<1x2x2x1xf32>
    %6 = "stablehlo.broadcast_in_dim"(%4) <{broadcast_dimensions = array<i64: 0>}> : (tensor<4xf32>) -> tensor<4x8xf32>
    %7 = "stablehlo.add"(%x, %6) : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
    "func.return"(%0, %1, %2, %4, %5, %7) : (tensor<2x3x4x6xbf16>, tensor<7x3x2xf32>, tensor<1x4x4x4xf32>, tensor<4xf32>, tensor<1x2x2x1xf32>, tensor<4x8xf32>) -> ()
  }) : () -> ()
}) : () -> ()
