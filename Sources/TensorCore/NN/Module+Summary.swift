import Foundation

extension Module {
    /// A table of the model's layers: each child with its type, parameter shapes and parameter
    /// count, then the totals (what Lightning's model summary prints).
    ///
    /// ```swift
    /// print(Sequential(Linear(inFeatures: 784, outFeatures: 10)).summary)
    /// ```
    public var summary: String {
        let module: any Module = self
        var rows: [(String, String, String, Int)] = []
        func visit(_ module: any Module, prefix: String) {
            let children = module.children
            if children.isEmpty || !module.ownParameters.isEmpty {
                let shapes = module.ownParameters.map { "\($0.1.shape)" }.joined(separator: " ")
                let count = module.ownParameters.reduce(0) { $0 + $1.1.scalarCount }
                if !prefix.isEmpty || count > 0 { rows.append((prefix.isEmpty ? "(self)" : prefix, String(describing: type(of: module)), shapes, count)) }
            }
            for (name, child) in children { visit(child, prefix: prefix.isEmpty ? name : "\(prefix).\(name)") }
        }
        visit(module, prefix: "")
        let nameWidth = max(4, rows.map(\.0.count).max() ?? 0), typeWidth = max(4, rows.map(\.1.count).max() ?? 0)
        var text = "Name".padding(toLength: nameWidth, withPad: " ", startingAt: 0) + "  " + "Type".padding(toLength: typeWidth, withPad: " ", startingAt: 0) + "  Params  Shapes\n"
        for (name, type, shapes, count) in rows {
            text += name.padding(toLength: nameWidth, withPad: " ", startingAt: 0) + "  " + type.padding(toLength: typeWidth, withPad: " ", startingAt: 0)
                + "  " + String(count).padding(toLength: 6, withPad: " ", startingAt: 0) + "  " + shapes + "\n"
        }
        text += "\(module.parameterCount) trainable parameters (\(String(format: "%.2f", Double(module.parameterCount * 4) / 1e6)) MB as Float32)\n"
        return text
    }
}
