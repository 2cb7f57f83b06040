#include "phasepalette.h"

#include <QHash>

namespace qreload::ui {

QStringList PhasePalette::knownPhases()
{
    return {QStringLiteral("build"),    QStringLiteral("stage"),     QStringLiteral("load"),
            QStringLiteral("validate"), QStringLiteral("construct"), QStringLiteral("carry"),
            QStringLiteral("swap"),     QStringLiteral("drain"),     QStringLiteral("shutdown"),
            QStringLiteral("unload"),   QStringLiteral("cleanup")};
}

QColor PhasePalette::color(const QString &phase)
{
    // Chosen to stay apart from each other on light and dark backgrounds.
    static const QHash<QString, QColor> colors{
        {QStringLiteral("build"), QColor(0x8e, 0x6c, 0xd1)},
        {QStringLiteral("stage"), QColor(0x4f, 0x9d, 0xd6)},
        {QStringLiteral("load"), QColor(0x2b, 0xa1, 0x84)},
        {QStringLiteral("validate"), QColor(0x9c, 0xc2, 0x3f)},
        {QStringLiteral("construct"), QColor(0xe0, 0xa1, 0x24)},
        {QStringLiteral("carry"), QColor(0xd9, 0x73, 0x3c)},
        {QStringLiteral("swap"), QColor(0xd6, 0x4f, 0x6a)},
        {QStringLiteral("drain"), QColor(0xb0, 0x5f, 0xa8)},
        {QStringLiteral("shutdown"), QColor(0x7f, 0x8c, 0x99)},
        {QStringLiteral("unload"), QColor(0x5d, 0x6d, 0x7e)},
        {QStringLiteral("cleanup"), QColor(0xa8, 0x9f, 0x91)},
    };
    const auto it = colors.constFind(phase);
    if (it != colors.constEnd())
        return *it;
    return QColor::fromHsv(int(qHash(phase) % 360), 140, 200);
}

} // namespace qreload::ui
