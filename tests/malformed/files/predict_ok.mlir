"func.func"() <{function_type = (tensor<40x64xbf16>, tensor<64x20xbf16>) -> tensor<40x20xbf16>, sym_name = "main"}> ({
^bb0(%a: tensor<40x64xbf16>, %b: tensor<64x20xbf16>):
  %0 = "stablehlo.dot_general"(%a, %b) <{dot_dimension_numbers = #stablehlo.dot<lhs_contracting_dimensions = [1], rhs_contracting_dimensions = [0]>}> : (tensor<40x64xbf16>, tensor<64x20xbf16>) -> tensor<40x20xbf16>
  %1 = "stablehlo.exponential"(%0) : (tensor<40x20xbf16>) -> tensor<40x20xbf16>
  "func.return"(%1) : (tensor<40x20xbf16>) -> ()
}) : () -> ()
