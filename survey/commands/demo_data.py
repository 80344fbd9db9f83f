"""Names for the demo province as local government is organised since 1 July 2025.

Two tiers: the province, and its communes and wards (no districts). One-stop service is run by the
province's public administration service centre with its branches, and by the one-stop section of
each commune and ward; the departments are those after the 2025 mergers. The province is fictional
(a merged province keeps one of the old names); the procedure names are real (their codes are
illustrative).
"""

PROVINCE = ("SH", "Tỉnh Sông Hồng (dữ liệu mẫu)")
CENTRE = ("TTPVHCC", "Trung tâm Phục vụ hành chính công tỉnh Sông Hồng")
#: Branches of the centre: they receive the province's procedures close to where people live.
BRANCHES = [
    ("CN01", "Chi nhánh số 1 – Trung tâm Phục vụ hành chính công tỉnh"),
    ("CN02", "Chi nhánh số 2 – Trung tâm Phục vụ hành chính công tỉnh"),
    ("CN03", "Chi nhánh số 3 – Trung tâm Phục vụ hành chính công tỉnh"),
]
CENTRE_FIELDS = ["Đăng ký doanh nghiệp", "Đầu tư", "Đường bộ", "Lý lịch tư pháp"]
BRANCH_FIELDS = ["Đất đai", "Đường bộ", "Lý lịch tư pháp"]

#: (code, name, fields of the procedures it handles): the departments after the 2025 mergers.
DEPARTMENTS = [
    ("STP", "Sở Tư pháp", ["Hộ tịch", "Chứng thực", "Lý lịch tư pháp", "Quốc tịch"]),
    ("SNNMT", "Sở Nông nghiệp và Môi trường", ["Đất đai", "Môi trường", "Nông nghiệp"]),
    ("SXD", "Sở Xây dựng", ["Xây dựng", "Nhà ở", "Đường bộ"]),
    ("STC", "Sở Tài chính", ["Đăng ký doanh nghiệp", "Đầu tư"]),
    ("SCT", "Sở Công Thương", ["Thương mại", "An toàn thực phẩm"]),
    ("SYT", "Sở Y tế", ["Khám chữa bệnh", "Dược phẩm", "Bảo trợ xã hội"]),
    ("SGDDT", "Sở Giáo dục và Đào tạo", ["Văn bằng, chứng chỉ"]),
    ("SNV", "Sở Nội vụ", ["Lao động", "Người có công", "Thi đua khen thưởng"]),
    ("SVHTTDL", "Sở Văn hóa, Thể thao và Du lịch", ["Văn hóa", "Du lịch"]),
    ("SDTTG", "Sở Dân tộc và Tôn giáo", ["Tôn giáo"]),
]

#: (code, name) of the wards (phường) and communes (xã), directly under the province. Each has a
#: one-stop section; the names are those of merged communes, as in 2025.
WARDS = [
    ("P-BENTHUY", "Phường Bến Thủy"),
    ("P-TRUONGTHI", "Phường Trường Thi"),
    ("P-HUNGBINH", "Phường Hưng Bình"),
    ("P-CUANAM", "Phường Cửa Nam"),
    ("P-THANHAN", "Phường Thành An"),
    ("P-YENTHANH", "Phường Yên Thành"),
]
COMMUNES = [
    ("X-NGHIPHU", "Xã Nghi Phú"),
    ("X-HUNGLOC", "Xã Hưng Lộc"),
    ("X-THANHTUNG", "Xã Thanh Tùng"),
    ("X-THANHLINH", "Xã Thanh Lĩnh"),
    ("X-THANHMY", "Xã Thanh Mỹ"),
    ("X-THANHHA", "Xã Thanh Hà"),
    ("X-YENHOA", "Xã Yên Hòa"),
    ("X-YENPHU", "Xã Yên Phú"),
    ("X-YENLAC", "Xã Yên Lạc"),
    ("X-DONGCHAU", "Xã Đông Châu"),
    ("X-DONGHAI", "Xã Đông Hải"),
    ("X-DONGLAM", "Xã Đông Lâm"),
    ("X-QUYNHLAM", "Xã Quỳnh Lâm"),
    ("X-QUYNHGIANG", "Xã Quỳnh Giang"),
    ("X-QUYNHTHO", "Xã Quỳnh Thọ"),
    ("X-SONGHONG", "Xã Sông Hồng"),
]
#: Since July 2025 communes and wards settle many procedures that districts used to.
COMMUNE_FIELDS = ["Hộ tịch", "Chứng thực", "Đất đai", "Xây dựng", "Đăng ký hộ kinh doanh", "Bảo trợ xã hội",
                  "Người có công"]

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
