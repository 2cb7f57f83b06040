#include "container_p.h"

namespace qreload {

using namespace detail;

QString Container::toDot() const
{
    const auto escaped = [](QString s) {
        return s.replace(QLatin1Char('\\'), QLatin1String("\\\\"))
            .replace(QLatin1Char('"'), QLatin1String("\\\""));
    };
    const auto quoted = [&](const QString &s) {
        return QLatin1Char('"') + escaped(s) + QLatin1Char('"');
    };
    QString dot = QStringLiteral("digraph components {\n  rankdir=LR;\n  node [shape=box];\n");
    for (const ComponentInfo &c : components()) {
        QStringList lines{c.key, c.className};
        QString lifecycle = c.scope == Scope::Prototype ? QStringLiteral("prototype")
                                                        : QStringLiteral("singleton");
        if (c.scope == Scope::Singleton && c.creation == Creation::Lazy)
            lifecycle += QStringLiteral(", lazy");
        if (!c.created)
            lifecycle += QStringLiteral(", not yet created");
        lines.append(lifecycle);
        if (!c.interfaces.isEmpty())
            lines.append(QStringLiteral("provides ") + c.interfaces.join(QStringLiteral(", ")));
        if (c.stateVersion >= 0)
            lines.append(QStringLiteral("carries state v%1").arg(c.stateVersion));
        QStringList label;
        for (const QString &line : lines)
            label.append(escaped(line));
        // Not yet created: dashed, as the console draws it.
        dot += QStringLiteral("  %1 [label=\"%2\", tooltip=%3%4];\n")
                   .arg(quoted(c.key), label.join(QStringLiteral("\\n")), quoted(c.pluginFile),
                        c.created ? QString() : QStringLiteral(", style=dashed"));
    }
    for (const ComponentEdge &e : edges()) {
        dot += QStringLiteral("  %1 -> %2").arg(quoted(e.from), quoted(e.to));
        if (e.dependency.kind != Dependency::Kind::Component)
            dot += QStringLiteral(" [style=dashed, label=%1]").arg(quoted(e.dependency.display()));
        dot += QStringLiteral(";\n");
    }
    dot += QStringLiteral("}\n");
    return dot;
}

} // namespace qreload
