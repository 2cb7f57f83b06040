#pragma once

// A temporary watched plugin folder, and the ways real tools put a file into it.

#include <fixturepaths.h>

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <unistd.h>

class PluginFolder
{
public:
    enum class Write {
        Linker,  //!< unlink, then write a new file (what ld does)
        InPlace, //!< truncate and rewrite the same inode
        Rename,  //!< write a temporary file, rename it over (editors' atomic save)
    };

    QString path() const { return m_dir.path(); }
    QString file(const QString &name = QStringLiteral("greeter.so")) const
    {
        return m_dir.filePath(name);
    }

    static QByteArray read(const QString &path)
    {
        QFile f(path);
        if (!f.open(QIODevice::ReadOnly))
            qFatal("cannot read %s", qPrintable(path));
        return f.readAll();
    }

    //! Puts `bytes` at `name` the way `how` says.
    void put(const QByteArray &bytes, Write how, const QString &name = QStringLiteral("greeter.so"))
    {
        const QString target = file(name);
        switch (how) {
        case Write::Linker:
            QFile::remove(target);
            writeFile(target, bytes, QIODevice::WriteOnly);
            break;
        case Write::InPlace:
            writeFile(target, bytes, QIODevice::WriteOnly | QIODevice::Truncate);
            break;
        case Write::Rename: {
            const QString temporary = file(QStringLiteral(".") + name + QStringLiteral(".tmp"));
            writeFile(temporary, bytes, QIODevice::WriteOnly);
            QVERIFY(::rename(QFile::encodeName(temporary).constData(),
                             QFile::encodeName(target).constData())
                    == 0);
            break;
        }
        }
    }
    void putFixture(const char *variant, Write how = Write::Linker,
                    const QString &name = QStringLiteral("greeter.so"))
    {
        put(read(fixtures::plugin(variant)), how, name);
    }

private:
    static void writeFile(const QString &path, const QByteArray &bytes, QIODevice::OpenMode mode)
    {
        QFile f(path);
        QVERIFY2(f.open(mode), qPrintable(f.errorString()));
        QCOMPARE(f.write(bytes), bytes.size());
    }

    QTemporaryDir m_dir;
};

//! Lines of /proc/self/maps that mention `needle`.
inline int mappingsOf(const QString &needle)
{
    QFile maps(QStringLiteral("/proc/self/maps"));
    if (!maps.open(QIODevice::ReadOnly))
        return -1;
    int count = 0;
    for (const QByteArray &line : maps.readAll().split('\n')) {
        if (line.contains(needle.toUtf8()))
            ++count;
    }
    return count;
}
