#include "eventjournal.h"

#include <QJsonDocument>
#include <QRandomGenerator>

namespace qreload::app {

QByteArray LiveEvent::sseFrame() const
{
    // JSON in compact form has no raw newline, so one `data:` line carries it.
    return "id: " + QByteArray::number(id) + "\nevent: " + kind.toUtf8()
           + "\ndata: " + QJsonDocument(data).toJson(QJsonDocument::Compact) + "\n\n";
}

QCborMap LiveEvent::toCbor() const
{
    return QCborMap{{QStringLiteral("id"), qint64(id)},
                    {QStringLiteral("kind"), kind},
                    {QStringLiteral("data"), QCborValue::fromJsonValue(data)}};
}

LiveEvent LiveEvent::fromCbor(const QCborMap &map)
{
    return LiveEvent{quint64(map.value(QStringLiteral("id")).toInteger()),
                     map.value(QStringLiteral("kind")).toString(),
                     map.value(QStringLiteral("data")).toJsonValue().toObject()};
}

EventJournal::EventJournal(int capacity, QObject *parent)
    : QObject(parent)
    , m_capacity(qMax(1, capacity))
{
    m_session = QString::number(QRandomGenerator::system()->generate64(), 36);
}

LiveEvent EventJournal::append(const QString &kind, const QJsonObject &data)
{
    const LiveEvent event{m_lastId + 1, kind, data};
    keep(event);
    Q_EMIT appended(event);
    return event;
}

void EventJournal::insert(const LiveEvent &event)
{
    if (event.id <= m_lastId)
        return; // already known (seeded, then sent again)
    keep(event);
    Q_EMIT appended(event);
}

void EventJournal::seed(const QString &session, const QList<LiveEvent> &events,
                        const std::optional<LiveEvent> &problem)
{
    m_session = session;
    m_events.clear();
    m_lastId = 0;
    m_problem = problem;
    for (const LiveEvent &event : events)
        keep(event);
}

void EventJournal::keep(const LiveEvent &event)
{
    // A failure opens a problem; the success that fixes it closes it; other events (a build
    // starting, a host restarting, a cancelled build, a skipped reload) leave it as it is.
    const QString outcome = event.data.value(QLatin1String("outcome")).toString();
    if (event.kind == LiveEvent::HostCrashed)
        m_problem = event;
    else if (event.kind == LiveEvent::BuildFinished
             && event.data.value(QLatin1String("ok")).toBool())
        m_problem.reset();
    else if (event.kind == LiveEvent::BuildFinished
             && !event.data.value(QLatin1String("cancelled")).toBool())
        m_problem = event;
    else if (event.kind == LiveEvent::Reload && outcome == QLatin1String("failed"))
        m_problem = event;
    else if (event.kind == LiveEvent::Reload && outcome == QLatin1String("ok"))
        m_problem.reset();
    m_events.append(event);
    m_lastId = event.id;
    if (m_events.size() > m_capacity)
        m_events.remove(0, m_events.size() - m_capacity);
}

QList<LiveEvent> EventJournal::since(quint64 lastId) const
{
    if (lastId > m_lastId)
        lastId = 0; // an id of another session (or a journal that started over): all we have
    QList<LiveEvent> out;
    for (const LiveEvent &event : m_events) {
        if (event.id > lastId)
            out.append(event);
    }
    return out;
}

bool EventJournal::coversSince(quint64 lastId) const
{
    if (lastId >= m_lastId)
        return true;
    return !m_events.isEmpty() && m_events.first().id <= lastId + 1;
}

} // namespace qreload::app
