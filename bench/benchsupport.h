#pragma once

// What the benchmarks share: samples with quantiles, and whole-file reads and writes that stop
// the benchmark when they fail (a benchmark on a half-written file measures nothing).

#include <QByteArray>
#include <QFile>
#include <QList>
#include <QString>

#include <algorithm>

namespace bench {

struct Stats
{
    QList<double> samples;

    //! The sample at quantile q (0.5 median, 0.95 p95, 1 max); 0 without samples.
    double quantile(double q) const
    {
        QList<double> sorted = samples;
        std::sort(sorted.begin(), sorted.end());
        if (sorted.isEmpty())
            return 0;
        const qsizetype index
            = std::min<qsizetype>(sorted.size() - 1, qsizetype(q * (sorted.size() - 1) + 0.5));
        return sorted.at(index);
    }
    double median() const { return quantile(0.5); }
    double min() const { return quantile(0); }
    double max() const { return quantile(1); }
};

inline QByteArray readFile(const QString &path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        qFatal("cannot read %s", qPrintable(path));
    return f.readAll();
}

//! Writes in place (truncate, write), as an editor's plain save does.
inline void writeFile(const QString &path, const QByteArray &bytes)
{
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate) || f.write(bytes) != bytes.size())
        qFatal("cannot write %s", qPrintable(path));
}

} // namespace bench
