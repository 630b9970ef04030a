import Foundation

extension LearningRateFinder.Result {
    /// The smoothed loss against the rate (log scale) as an SVG image, with the suggestion
    /// marked: what Lightning's `lr_finder.plot(suggest=True)` draws, for the HTML report.
    public func svg(width: Int = 480, height: Int = 300) -> String {
        let finite = zip(rates, losses).filter { $0.1.isFinite }
        guard finite.count >= 2 else { return "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(height)\"/>" }
        let xs = finite.map { log10(Double($0.0)) }, ys = finite.map(\.1)
        let (left, right) = (xs.min()!, xs.max()!), (low, high) = (ys.min()!, ys.max()!)
        let margin = 40.0, w = Double(width) - 2 * margin, h = Double(height) - 2 * margin
        func px(_ x: Double) -> Double { margin + (x - left) / max(right - left, 1e-12) * w }
        func py(_ y: Double) -> Double { margin + (high - y) / max(high - low, 1e-12) * h }
        let points = zip(xs, ys).map { String(format: "%.1f,%.1f", px($0), py($1)) }.joined(separator: " ")
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(height)\" font-family=\"sans-serif\" font-size=\"11\">"
        svg += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>"
        svg += "<polyline fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"1.5\" points=\"\(points)\"/>"
        svg += String(format: "<text x=\"%.0f\" y=\"%d\">learning rate (log) %.0e … %.0e</text>", margin, height - 10, rates.first ?? 0, rates.last ?? 0)
        svg += String(format: "<text x=\"4\" y=\"%.0f\">loss %.3f … %.3f</text>", margin - 10, low, high)
        if let suggestion {
            let x = px(log10(Double(suggestion)))
            svg += String(format: "<line x1=\"%.1f\" y1=\"%.0f\" x2=\"%.1f\" y2=\"%.0f\" stroke=\"#d62728\" stroke-dasharray=\"4 3\"/>", x, margin, x, margin + h)
            svg += String(format: "<text x=\"%.1f\" y=\"%.0f\" fill=\"#d62728\">suggested %.2e</text>", x + 4, margin + 12, suggestion)
        }
        return svg + "</svg>"
    }
}
