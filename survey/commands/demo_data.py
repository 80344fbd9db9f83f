"""Names for the demo province: departments, districts, communes and real procedure names.

The province is fictional; the procedure names are real (their codes are illustrative).
"""

PROVINCE = ("SH", "Tỉnh Sông Hồng (dữ liệu mẫu)")
CENTRE = ("TTPVHCC", "Trung tâm Phục vụ hành chính công tỉnh")

#: (code, name, fields of the procedures it handles)
DEPARTMENTS = [
    ("STP", "Sở Tư pháp", ["Hộ tịch", "Chứng thực", "Lý lịch tư pháp", "Quốc tịch"]),
    ("STNMT", "Sở Tài nguyên và Môi trường", ["Đất đai", "Môi trường"]),
    ("SXD", "Sở Xây dựng", ["Xây dựng", "Nhà ở"]),
    ("SKHDT", "Sở Kế hoạch và Đầu tư", ["Đăng ký doanh nghiệp", "Đầu tư"]),
    ("SGTVT", "Sở Giao thông vận tải", ["Đường bộ"]),
    ("SCT", "Sở Công Thương", ["Thương mại", "An toàn thực phẩm"]),
    ("SYT", "Sở Y tế", ["Khám chữa bệnh", "Dược phẩm"]),
    ("SGDDT", "Sở Giáo dục và Đào tạo", ["Văn bằng, chứng chỉ"]),
    ("SLDTBXH", "Sở Lao động - Thương binh và Xã hội", ["Lao động", "Bảo trợ xã hội", "Người có công"]),
    ("SNNPTNT", "Sở Nông nghiệp và Phát triển nông thôn", ["Nông nghiệp"]),
    ("SVHTTDL", "Sở Văn hóa, Thể thao và Du lịch", ["Văn hóa", "Du lịch"]),
    ("SNV", "Sở Nội vụ", ["Tôn giáo", "Thi đua khen thưởng"]),
]

#: (code, name, [communes]); each district has a one-stop unit handling its procedures.
DISTRICTS = [
    ("TPSH", "Thành phố Sông Hồng", [
        "Phường Bến Thủy", "Phường Hưng Bình", "Phường Trường Thi", "Phường Cửa Nam",
        "Xã Nghi Phú", "Xã Hưng Lộc", "Xã Nghi Ân", "Xã Hưng Hòa",
    ]),
    ("HTA", "Huyện Thanh An", [
        "Thị trấn Thanh An", "Xã Thanh Tùng", "Xã Thanh Lĩnh", "Xã Thanh Mỹ",
        "Xã Thanh Hà", "Xã Thanh Xuân", "Xã Thanh Lương", "Xã Thanh Đức",
    ]),
    ("HYT", "Huyện Yên Thành", [
        "Thị trấn Yên Thành", "Xã Yên Hòa", "Xã Yên Phú", "Xã Yên Lạc",
        "Xã Yên Đồng", "Xã Yên Trung", "Xã Yên Sơn", "Xã Yên Bình",
    ]),
    ("HDC", "Huyện Đông Châu", [
        "Thị trấn Đông Châu", "Xã Đông Hải", "Xã Đông Lâm", "Xã Đông Xuyên",
        "Xã Đông Phong", "Xã Đông Minh", "Xã Đông Quang", "Xã Đông Sơn",
    ]),
    ("HQL", "Huyện Quỳnh Lâm", [
        "Thị trấn Quỳnh Lâm", "Xã Quỳnh Giang", "Xã Quỳnh Hồng", "Xã Quỳnh Thọ",
        "Xã Quỳnh Văn", "Xã Quỳnh Tân",
    ]),
]

DISTRICT_FIELDS = ["Hộ tịch", "Chứng thực", "Đất đai", "Xây dựng", "Đăng ký hộ kinh doanh", "Bảo trợ xã hội"]
COMMUNE_FIELDS = ["Hộ tịch", "Chứng thực", "Bảo trợ xã hội", "Người có công"]

#: (illustrative national code, procedure name, field)
SERVICES = [
    ("1.001193", "Đăng ký khai sinh", "Hộ tịch"),
    ("1.000656", "Đăng ký khai tử", "Hộ tịch"),
    ("1.000894", "Đăng ký kết hôn", "Hộ tịch"),
    ("1.004873", "Cấp bản sao trích lục hộ tịch", "Hộ tịch"),
    ("1.004884", "Đăng ký thường trú", "Hộ tịch"),
    ("1.001022", "Xác nhận tình trạng hôn nhân", "Hộ tịch"),
    ("2.000815", "Chứng thực bản sao từ bản chính", "Chứng thực"),
    ("2.000884", "Chứng thực chữ ký trong giấy tờ, văn bản", "Chứng thực"),
    ("2.000913", "Chứng thực hợp đồng, giao dịch", "Chứng thực"),
    ("2.000488", "Cấp Phiếu lý lịch tư pháp", "Lý lịch tư pháp"),
    ("1.001787", "Xin nhập quốc tịch Việt Nam", "Quốc tịch"),
    ("1.004227", "Cấp giấy chứng nhận quyền sử dụng đất lần đầu", "Đất đai"),
    ("1.004203", "Đăng ký biến động quyền sử dụng đất", "Đất đai"),
    ("1.003010", "Chuyển mục đích sử dụng đất", "Đất đai"),
    ("1.004249", "Cấp đổi giấy chứng nhận quyền sử dụng đất", "Đất đai"),
    ("1.004258", "Thẩm định báo cáo đánh giá tác động môi trường", "Môi trường"),
    ("1.009972", "Cấp giấy phép xây dựng nhà ở riêng lẻ", "Xây dựng"),
    ("1.009974", "Cấp giấy phép xây dựng công trình", "Xây dựng"),
    ("1.007750", "Cấp chứng chỉ hành nghề hoạt động xây dựng", "Xây dựng"),
    ("1.010006", "Công nhận quyền sở hữu nhà ở", "Nhà ở"),
    ("2.001610", "Đăng ký thành lập doanh nghiệp", "Đăng ký doanh nghiệp"),
    ("2.002038", "Đăng ký thay đổi nội dung đăng ký doanh nghiệp", "Đăng ký doanh nghiệp"),
    ("1.009645", "Cấp giấy chứng nhận đăng ký đầu tư", "Đầu tư"),
    ("2.000720", "Đăng ký thành lập hộ kinh doanh", "Đăng ký hộ kinh doanh"),
    ("1.002809", "Cấp giấy phép lái xe", "Đường bộ"),
    ("1.002804", "Đổi giấy phép lái xe", "Đường bộ"),
    ("1.001577", "Đăng ký xe máy chuyên dùng", "Đường bộ"),
    ("2.000633", "Cấp giấy phép kinh doanh bán lẻ sản phẩm rượu", "Thương mại"),
    ("2.000591", "Cấp giấy chứng nhận cơ sở đủ điều kiện an toàn thực phẩm", "An toàn thực phẩm"),
    ("1.004563", "Cấp chứng chỉ hành nghề khám bệnh, chữa bệnh", "Khám chữa bệnh"),
    ("1.003001", "Cấp chứng chỉ hành nghề dược", "Dược phẩm"),
    ("1.005092", "Cấp bản sao văn bằng, chứng chỉ từ sổ gốc", "Văn bằng, chứng chỉ"),
    ("1.000459", "Cấp giấy phép lao động cho người nước ngoài", "Lao động"),
    ("1.001776", "Trợ cấp xã hội hằng tháng", "Bảo trợ xã hội"),
    ("1.002519", "Hỗ trợ chi phí mai táng", "Bảo trợ xã hội"),
    ("1.003057", "Giải quyết chế độ trợ cấp ưu đãi người có công", "Người có công"),
    ("1.003397", "Cấp giấy chứng nhận kinh tế trang trại", "Nông nghiệp"),
    ("1.003622", "Cấp giấy phép tổ chức lễ hội", "Văn hóa"),
    ("1.001432", "Công nhận điểm du lịch", "Du lịch"),
    ("1.001078", "Đăng ký sinh hoạt tôn giáo tập trung", "Tôn giáo"),
    ("1.000748", "Tặng Bằng khen của Chủ tịch UBND tỉnh", "Thi đua khen thưởng"),
]

POSITIVE_COMMENTS = [
    "Cán bộ hướng dẫn tận tình, chu đáo.",
    "Thủ tục nhanh gọn, trả kết quả đúng hẹn.",
    "Nơi làm việc sạch sẽ, có máy lấy số thứ tự tiện lợi.",
    "Rất hài lòng, cảm ơn cán bộ một cửa.",
    "Hướng dẫn một lần là đủ hồ sơ.",
]
NEGATIVE_COMMENTS = [
    "Phải chờ lâu, thiếu ghế ngồi chờ.",
    "Phải bổ sung hồ sơ nhiều lần, hướng dẫn chưa rõ.",
    "Trả kết quả trễ hẹn mà không báo trước.",
    "Máy lấy số hay bị hỏng, điều hòa không hoạt động.",
    "Không biết gửi phản ánh ở đâu.",
    "Cán bộ thái độ chưa niềm nở.",
]
