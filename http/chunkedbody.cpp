#include "chunkedbody.h"

namespace qreload::app {

bool ChunkedBody::takeLine(QByteArrayView data, qsizetype *i)
{
    const qsizetype end = data.indexOf('\n', *i);
    const qsizetype stop = end < 0 ? data.size() : end + 1;
    m_line.append(data.sliced(*i, stop - *i));
    *i = stop;
    if (m_line.size() > MaxLineBytes) {
        m_state = State::Malformed;
        return false;
    }
    if (end < 0)
        return false;
    m_line.chop(1);
    if (m_line.endsWith('\r'))
        m_line.chop(1);
    return true;
}

qsizetype ChunkedBody::feed(QByteArrayView data)
{
    qsizetype i = 0;
    while (i < data.size()) {
        switch (m_state) {
        case State::Size: {
            if (!takeLine(data, &i))
                break;
            const qsizetype extension = m_line.indexOf(';');
            const QByteArray size = (extension < 0 ? m_line : m_line.first(extension)).trimmed();
            bool ok = false;
            const qint64 chunk = size.toLongLong(&ok, 16);
            m_line.clear();
            if (!ok || chunk < 0 || size.startsWith('-') || size.startsWith('+')) {
                m_state = State::Malformed;
                break;
            }
            m_chunkLeft = chunk;
            m_state = chunk == 0 ? State::Trailer : State::Data;
            break;
        }
        case State::Data: {
            const qint64 take = std::min<qint64>(m_chunkLeft, data.size() - i);
            m_chunkLeft -= take;
            m_dataBytes += take;
            i += take;
            if (m_chunkLeft == 0)
                m_state = State::DataEnd;
            break;
        }
        case State::DataEnd:
            if (!takeLine(data, &i))
                break;
            m_state = m_line.isEmpty() ? State::Size : State::Malformed;
            m_line.clear();
            break;
        case State::Trailer:
            if (!takeLine(data, &i))
                break;
            if (m_line.isEmpty())
                m_state = State::Done;
            m_line.clear();
            break;
        case State::Done:
        case State::Malformed:
            return i;
        }
        if (m_state == State::Malformed || m_state == State::Done)
            return i;
    }
    return i;
}

} // namespace qreload::app
