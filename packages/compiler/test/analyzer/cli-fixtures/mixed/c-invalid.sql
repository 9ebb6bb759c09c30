SELECT message_id FROM submissions ORDER BY message_id
