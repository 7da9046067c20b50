"func.func"() <{function_type = (tensor<64x64xbf16>, tensor<64x64xbf16>) -> (tensor<64x64xbf16>, tensor<64x64xbf16>), sym_name = "main"}> ({
^bb0(%a: tensor<64x64xbf16>, %b: tensor<64x64xbf16>):
  %0 = "stablehlo.dot_general"(%a, %b) <{dot_dimension_numbers = #stablehlo.dot<lhs_contracting_dimensions = [1], rhs_contracting_dimensions = [0]>}> : (tensor<64x64xbf16>, tensor<64x64xbf16>) -> tensor<64x64xbf16>
  %1 = "stablehlo.exponential"(%0) : (tensor<64x64xbf16>) -> tensor<64x64xbf16>
  %2 = "stablehlo.tanh"(%0) : (tensor<64x64xbf16>) -> tensor<64x64xbf16>
  %3 = "stablehlo.add"(%1, %2) : (tensor<64x64xbf16>, tensor<64x64xbf16>) -> tensor<64x64xbf16>
  %4 = "stablehlo.dot_general"(%3, %b) <{dot_dimension_numbers = #stablehlo.dot<lhs_contracting_dimensions = [1], rhs_contracting_dimensions = [0]>}> : (tensor<64x64xbf16>, tensor<64x64xbf16>) -> tensor<64x64xbf16>
  %5 = "stablehlo.negate"(%4) : (tensor<64x64xbf16>) -> tensor<64x64xbf16>
  %6 = "stablehlo.dot_general"(%4, %b) <{dot_dimension_numbers = #stablehlo.dot<lhs_contracting_dimensions = [1], rhs_contracting_dimensions = [0]>}> : (tensor<64x64xbf16>, tensor<64x64xbf16>) -> tensor<64x64xbf16>
  "func.return"(%5, %6) : (tensor<64x64xbf16>, tensor<64x64xbf16>) -> ()
}) : () -> ()
